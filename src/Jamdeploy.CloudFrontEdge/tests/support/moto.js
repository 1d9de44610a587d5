// A real moto_server (S3 emulator) on a free loopback port, as tests/Jamdeploy.TestSupport/MotoServer.cs starts it.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';

export async function freePort() {
    const server = net.createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(resolve));
    return port;
}

export async function startMoto() {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    let exited = null;
    child.on('exit', (code) => { exited = code ?? -1; });
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (exited !== null) throw new Error(`moto_server exited with ${exited}`);
        try {
            const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
            if (response.status !== 503) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            child.kill();
            throw new Error('moto_server did not answer within 60 s');
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const s3 = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    let buckets = 0;
    return {
        endpoint,
        s3,
        /** A new, empty bucket for one test. */
        async createBucket() {
            const bucket = `edge-${process.pid}-${++buckets}`;
            await s3.send(new CreateBucketCommand({ Bucket: bucket }));
            return bucket;
        },
        async stop() {
            s3.destroy();
            if (exited === null) {
                const done = new Promise((resolve) => child.once('exit', resolve));
                child.kill();
                await done;
            }
        },
    };
}
