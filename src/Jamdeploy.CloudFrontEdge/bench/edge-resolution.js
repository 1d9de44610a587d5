// Lambda@Edge resolution time for a 10,000-file manifest against moto S3: origin request with a cold manifest
// cache (a new Lambda instance: S3 GET + parse + lookup) vs warm (lookup only). Run by scripts/bench-edge.sh.
import { performance } from 'node:perf_hooks';
import { createOriginHandlers, parseManifest } from '../origin.js';
import { startMoto } from '../tests/support/moto.js';
import { S3Site } from '../tests/support/store.js';

const FILES = Number(process.env.FILES ?? 10_000);
const COLD_RUNS = Number(process.env.COLD_RUNS ?? 15);
const WARM_RUNS = Number(process.env.WARM_RUNS ?? 2_000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (x) => `${x.toFixed(2)} ms`;

function site(n, release) {
    const files = {};
    for (let i = 0; i < n; i++) {
        const dir = `section-${i % 100}`;
        const path = i % 10 === 0 ? `/${dir}/page-${i}/index.html` : i % 10 < 6 ? `/${dir}/page-${i}.html` : `/assets/${dir}/img-${i}.${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}.png`;
        files[path] = { text: `${release} ${i}`, contentType: path.endsWith('.png') ? 'image/png' : 'text/html; charset=utf-8' };
    }
    return files;
}

function event(uri, bucket) {
    return {
        Records: [{
            cf: {
                config: { eventType: 'origin-request' },
                request: {
                    clientIp: '198.51.100.7', method: 'GET', uri, querystring: '', headers: {},
                    origin: { s3: { domainName: `${bucket}.s3.amazonaws.com`, path: '/bench', region: 'us-east-1', authMethod: 'origin-access-identity', customHeaders: {} } },
                },
            },
        }],
    };
}

const moto = await startMoto();
try {
    const bucket = await moto.createBucket();
    const store = new S3Site(moto.s3, bucket, 'bench');
    process.stderr.write(`writing a ${FILES}-file release to moto...\n`);
    await store.deploy('r-bench-old', { '/old.0badf00d.js': { text: 'old', contentType: 'text/javascript; charset=utf-8' } });
    const files = site(FILES, 'r-bench');
    // The manifest alone (blobs do not take part in resolution); ~the size jamdeploy writes for this site.
    const { serializeManifest } = await import('../tests/support/store-documents.js');
    const { entriesOf } = await import('../tests/support/store.js');
    const manifest = serializeManifest({ id: 'r-bench', created: new Date(), files: entriesOf(files).entries });
    await store.put('releases/r-bench.json', manifest, 'application/json');
    await store.flip('r-bench');

    const paths = Object.keys(files).map((p) => p.replace(/\/index\.html$/, '/').replace(/\.html$/, ''));
    const pick = (i) => paths[(i * 7919) % paths.length].split('/').map(encodeURIComponent).join('/');

    const cold = [];
    for (let run = 0; run < COLD_RUNS; run++) {
        const fresh = createOriginHandlers({ s3: moto.s3 });
        const started = performance.now();
        const result = await fresh.originRequest(event(`/_r/r-bench${pick(run)}`, bucket));
        cold.push(performance.now() - started);
        if (!result.uri?.startsWith('/blobs/')) throw new Error(`unexpected answer: ${JSON.stringify(result).slice(0, 200)}`);
    }

    const parse = [];
    for (let run = 0; run < COLD_RUNS; run++) {
        const started = performance.now();
        parseManifest(manifest, 'r-bench');
        parse.push(performance.now() - started);
    }

    const handlers = createOriginHandlers({ s3: moto.s3 });
    await handlers.originRequest(event(`/_r/r-bench${pick(0)}`, bucket));
    const warm = [];
    for (let run = 0; run < WARM_RUNS; run++) {
        const started = performance.now();
        await handlers.originRequest(event(`/_r/r-bench${pick(run + 1)}`, bucket));
        warm.push(performance.now() - started);
    }

    // A fingerprinted name only an earlier release has: live.json + that release's manifest on top.
    const fallback = [];
    for (let run = 0; run < COLD_RUNS; run++) {
        const warmOnLive = createOriginHandlers({ s3: moto.s3 });
        await warmOnLive.originRequest(event(`/_r/r-bench${pick(0)}`, bucket));
        const started = performance.now();
        await warmOnLive.originRequest(event('/_r/r-bench/old.0badf00d.js', bucket));
        fallback.push(performance.now() - started);
    }

    console.log(`manifest: ${FILES} files, ${(Buffer.byteLength(manifest) / 1024 / 1024).toFixed(2)} MiB of JSON (moto on loopback)`);
    console.log(`cold (new instance: S3 GET + parse + resolve): median ${ms(median(cold))}, p95 ${ms(p95(cold))} over ${COLD_RUNS} runs`);
    console.log(`  of which parse + index (JSON.parse, Map):     median ${ms(median(parse))}`);
    console.log(`warm (manifest cached, resolve only):          median ${ms(median(warm))}, p95 ${ms(p95(warm))} over ${WARM_RUNS} requests`);
    console.log(`fallback to an earlier release (live.json + its manifest, cold): median ${ms(median(fallback))}`);
    console.log(`cold / warm: ${(median(cold) / median(warm)).toFixed(0)}x`);
} finally {
    await moto.stop();
}
