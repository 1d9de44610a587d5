// A real moto_server (S3 emulator) on loopback, as tests/Jamdeploy.TestSupport/MotoServer.cs finds it: the one
// scripts/test.sh started for the whole run (JAMDEPLOY_TEST_MOTO_URL), else one of this test file's own, started by
// scripts/moto-server.py on a free port. Buckets are named by process, so test files sharing one never meet.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';

// Counted for the process, not per emulator: two startMoto() calls of one file may share the run's emulator.
let buckets = 0;
const launcher = fileURLToPath(new URL('../../../../scripts/moto-server.py', import.meta.url));

export async function freePort() {
    const server = net.createServer();
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    await new Promise((resolve) => server.close(resolve));
    return port;
}

export async function startMoto() {
    const shared = process.env.JAMDEPLOY_TEST_MOTO_URL?.replace(/\/+$/, '');
    let endpoint = shared;
    let child = null;
    let exited = null;
    if (!shared) {
        const port = await freePort();
        endpoint = `http://127.0.0.1:${port}`;
        child = spawn('python3', [launcher, '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
        child.on('exit', (code) => { exited = code ?? -1; });
    }
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
            child?.kill();
            throw new Error(`moto_server at ${endpoint} did not answer within 60 s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const s3 = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
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
            if (child && exited === null) {
                const done = new Promise((resolve) => child.once('exit', resolve));
                child.kill();
                await done;
            }
        },
    };
}
