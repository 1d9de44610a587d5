// Lambda@Edge resolution time for a 10,000-file manifest against moto S3: origin request with a cold manifest
// cache (a new Lambda instance: S3 GET + parse + lookup) vs warm (lookup only), for a plain release (format 1) and
// for the same files with site rules and precompressed encodings (format 2: RULES header rules, RULES redirects and
// a single-page-app fallback; brotli and gzip on every page). Run by scripts/bench-edge.sh.
import { performance } from 'node:perf_hooks';
import { createOriginHandlers, parseManifest, RESPONSE_HEADER } from '../origin.js';
import { startMoto } from '../tests/support/moto.js';
import { S3Site } from '../tests/support/store.js';
import { serializeManifest } from '../tests/support/store-documents.js';

const FILES = Number(process.env.FILES ?? 10_000);
const RULES = Number(process.env.RULES ?? 100);
const COLD_RUNS = Number(process.env.COLD_RUNS ?? 15);
const WARM_RUNS = Number(process.env.WARM_RUNS ?? 2_000);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const ms = (x) => `${x.toFixed(2)} ms`;
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Manifest entries (no blobs: they take no part in resolution), with encodings on pages when `encoded`. */
function entries(n, encoded) {
    const files = {};
    const hash = (i, salt) => (BigInt(i) * 2654435761n + BigInt(salt)).toString(16).padStart(64, '0').slice(-64);
    for (let i = 0; i < n; i++) {
        const dir = `section-${i % 100}`;
        const page = i % 10 < 6;
        const path = i % 10 === 0 ? `/${dir}/page-${i}/index.html` : page ? `/${dir}/page-${i}.html` : `/assets/${dir}/img-${i}.${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}.png`;
        files[path] = { hash: hash(i, 0), size: 20_000 + i, contentType: path.endsWith('.png') ? 'image/png' : 'text/html; charset=utf-8' };
        if (encoded && !path.endsWith('.png')) files[path].encodings = { br: { hash: hash(i, 1), size: 4_000 + i }, gzip: { hash: hash(i, 2), size: 5_000 + i } };
    }
    return files;
}

/** RULES header rules (a CSP of ~300 bytes each on a section) and RULES redirects, then an SPA fallback. */
function rules(n) {
    const csp = "default-src 'self'; script-src 'self' https://cdn.example.com; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' https://fonts.example.com; connect-src 'self' https://api.example.com; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
    return {
        headers: [{ path: '/*', headers: { 'X-Frame-Options': 'DENY', 'Referrer-Policy': 'strict-origin-when-cross-origin' } },
            ...Array.from({ length: n }, (_, i) => ({ path: `/section-${i}/*`, headers: { 'Content-Security-Policy': csp, 'X-Section': String(i) } }))],
        redirects: [...Array.from({ length: n }, (_, i) => ({ from: `/old-${i}/:slug`, to: `/section-${i % 100}/:slug`, status: 301, force: false })),
            { from: '/app/*', to: '/index.html', status: 200, force: false }],
    };
}

function event(uri, bucket, headers = {}) {
    return {
        Records: [{
            cf: {
                config: { eventType: 'origin-request' },
                request: {
                    clientIp: '198.51.100.7', method: 'GET', uri, querystring: '', headers,
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
    process.stderr.write(`writing two ${FILES}-file releases to moto...\n`);
    await store.deploy('r-bench-old', { '/old.0badf00d.js': { text: 'old', contentType: 'text/javascript; charset=utf-8' } });
    const index = { hash: 'f'.repeat(64), size: 100, contentType: 'text/html; charset=utf-8' };
    const manifests = {
        'r-plain': serializeManifest({ id: 'r-plain', created: new Date(), files: { ...entries(FILES, false), '/index.html': index } }),
        'r-rules': serializeManifest({ id: 'r-rules', created: new Date(), files: { ...entries(FILES, true), '/index.html': index }, rules: rules(RULES) }),
    };
    for (const [id, text] of Object.entries(manifests)) await store.put(`releases/${id}.json`, text, 'application/json');
    await store.flip('r-plain');
    await store.flip('r-rules');

    const paths = Object.keys(entries(FILES, false)).map((p) => p.replace(/\/index\.html$/, '/').replace(/\.html$/, ''));
    const pick = (i) => paths[(i * 7919) % paths.length].split('/').map(encodeURIComponent).join('/');
    const accept = { 'accept-encoding': [{ key: 'Accept-Encoding', value: 'br,gzip' }] };

    const report = {};
    for (const id of Object.keys(manifests)) {
        const cold = [];
        for (let run = 0; run < COLD_RUNS; run++) {
            const fresh = createOriginHandlers({ s3: moto.s3 });
            const started = performance.now();
            const result = await fresh.originRequest(event(`/_r/${id}${pick(run)}`, bucket, { ...accept }));
            cold.push(performance.now() - started);
            if (!result.uri?.startsWith('/blobs/')) throw new Error(`unexpected answer: ${JSON.stringify(result).slice(0, 200)}`);
        }
        const parse = [];
        for (let run = 0; run < COLD_RUNS; run++) {
            const started = performance.now();
            parseManifest(manifests[id], id);
            parse.push(performance.now() - started);
        }
        const handlers = createOriginHandlers({ s3: moto.s3 });
        await handlers.originRequest(event(`/_r/${id}${pick(0)}`, bucket, { ...accept }));
        const warm = [];
        let plan = 0;
        for (let run = 0; run < WARM_RUNS; run++) {
            const started = performance.now();
            const result = await handlers.originRequest(event(`/_r/${id}${pick(run + 1)}`, bucket, { ...accept }));
            warm.push(performance.now() - started);
            plan = Math.max(plan, result.headers[RESPONSE_HEADER][0].value.length);
        }
        // A path no file answers: every redirect rule is tried before the last one (the SPA fallback) matches.
        const fallThrough = [];
        for (let run = 0; run < WARM_RUNS; run++) {
            const started = performance.now();
            await handlers.originRequest(event(`/_r/${id}/app/route-${run}`, bucket, { ...accept }));
            fallThrough.push(performance.now() - started);
        }
        report[id] = { cold, parse, warm, plan, fallThrough };
    }

    console.log(`manifests: ${FILES} files; plain (format 1) ${kib(Buffer.byteLength(manifests['r-plain']))}; with ${RULES + 1} header rules, ${RULES + 1} redirects and br+gzip on ${Math.round(FILES * 0.6)} pages (format 2) ${kib(Buffer.byteLength(manifests['r-rules']))} of JSON (moto on loopback)`);
    for (const [id, r] of Object.entries(report)) {
        console.log(`${id}:`);
        console.log(`  cold (new instance: S3 GET + parse + resolve): median ${ms(median(r.cold))}, p95 ${ms(p95(r.cold))} over ${COLD_RUNS} runs`);
        console.log(`    of which parse + index (JSON.parse, Map, rule patterns compiled): median ${ms(median(r.parse))}`);
        console.log(`  warm (manifest cached, resolve a file):        median ${ms(median(r.warm))}, p95 ${ms(p95(r.warm))} over ${WARM_RUNS} requests`);
        console.log(`  warm, a path no file answers (all redirects tried, then the SPA rule): median ${ms(median(r.fallThrough))}`);
        console.log(`  decision header to origin response: at most ${r.plan} bytes`);
    }
} finally {
    await moto.stop();
}
