// The emulated CloudFront (tests/emulator.js) under concurrent page loads while 50 flips happen, each flip as
// jamdeploy makes it: the release's blobs and manifest, then live.json, then the KeyValueStore key. No
// invalidation exists: freshness comes only from the release in the cache key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startMoto } from './support/moto.js';
import { S3Site } from './support/store.js';
import { startKvsServer } from './support/kvs-server.js';
import { httpKvs, startEmulator } from './emulator.js';

const FLIPS = 50;
const PAGE_LOADERS = 4;

/** Release n: a page and its fingerprinted assets, each marked with the release id. */
function releaseFiles(id, n) {
    const hex = n.toString(16).padStart(8, '0');
    const app = `/assets/app.${hex}.js`;
    const style = `/assets/style.${hex}.css`;
    return {
        '/index.html': { text: `<!-- release ${id} --><link href="${style}"><script src="${app}"></script>`, contentType: 'text/html; charset=utf-8' },
        '/docs/index.html': { text: `<!-- release ${id} --><script src="${app}"></script>`, contentType: 'text/html; charset=utf-8' },
        [app]: { text: `/* release ${id} */`, contentType: 'text/javascript; charset=utf-8' },
        [style]: { text: `/* release ${id} */`, contentType: 'text/css; charset=utf-8' },
    };
}

const releaseOf = (text) => /release ([a-z0-9._-]+)/.exec(text)?.[1];

async function get(url) {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    return { status: response.status, text: await response.text() };
}

/** One page load: the page, then every asset it references; returns the releases each part came from. */
async function loadPage(base, path) {
    const page = await get(base + path);
    assert.equal(page.status, 200, `${path}: ${page.text}`);
    const assets = [...page.text.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
    const parts = await Promise.all(assets.map(async (asset) => {
        const response = await get(base + asset);
        assert.equal(response.status, 200, `${asset} of a page of ${releaseOf(page.text)}: ${response.text}`);
        return releaseOf(response.text);
    }));
    return [releaseOf(page.text), ...parts];
}

describe('emulated CloudFront', { timeout: 300_000 }, () => {
    let moto;
    let kvs;

    before(async () => {
        moto = await startMoto();
        kvs = await startKvsServer();
    });

    after(async () => {
        await kvs?.close();
        await moto?.stop();
    });

    test(`page loads during ${FLIPS} flips each see exactly one release, and each flip is served once the KeyValueStore has it`, async () => {
        const bucket = await moto.createBucket();
        const site = new S3Site(moto.s3, bucket, 'site');
        const ids = Array.from({ length: FLIPS + 1 }, (_, n) => `r${String(n).padStart(3, '0')}`);
        await site.deploy(ids[0], releaseFiles(ids[0], 0));
        kvs.set('site:live', ids[0]);
        // Every flip of this test stays inside the fingerprinted-asset fallback, so a page loaded just before
        // any number of them still gets its own assets (jamdeploy's pointer history keeps 100 moves).
        const emulator = await startEmulator({ kvs: httpKvs(kvs.url), s3: moto.s3, bucket, prefix: 'site', originOptions: { assetFallbackReleases: FLIPS + 1 } });

        let flipping = true;
        const loads = [];
        const loaders = Array.from({ length: PAGE_LOADERS }, async (_, worker) => {
            while (flipping) loads.push(await loadPage(emulator.url, worker % 2 ? '/docs/' : '/'));
        });
        try {
            for (let n = 1; n <= FLIPS; n++) {
                await site.storeRelease(ids[n], releaseFiles(ids[n], n));
                await site.flip(ids[n]);
                kvs.set('site:live', ids[n]);

                const seen = await loadPage(emulator.url, '/');
                assert.deepEqual(seen, [ids[n], ids[n], ids[n]], `right after flip ${n}`);
            }
        } finally {
            flipping = false;
            await Promise.allSettled(loaders);
            // Closed on failure too: its open connections would keep this test file's process alive.
            await emulator.close();
        }
        await Promise.all(loaders);

        for (const load of loads) assert.equal(new Set(load).size, 1, `a page load mixed releases: ${load.join(', ')}`);
        assert.ok(loads.length >= PAGE_LOADERS, `${loads.length} page loads`);
        const releasesSeen = new Set(loads.map((l) => l[0]));
        assert.ok(releasesSeen.size > 1, 'the page loads ran across flips');
        // Caching worked (hits), and nothing but the release in the cache key made flips visible: the emulator
        // has no invalidation to send.
        assert.ok(emulator.stats.hits > 0, JSON.stringify(emulator.stats));
        assert.ok(emulator.stats.misses >= FLIPS * 3, JSON.stringify(emulator.stats));
    });

    test('runs as a process, printing where it listens', async () => {
        const bucket = await moto.createBucket();
        const site = new S3Site(moto.s3, bucket, 'p');
        await site.deploy('r-process', releaseFiles('r-process', 7));
        kvs.set('blog:live', 'r-process');
        const child = spawn(process.execPath, [new URL('./emulator.js', import.meta.url).pathname,
            '--kvs-url', kvs.url, '--s3-endpoint', moto.endpoint, '--bucket', bucket, '--prefix', 'p', '--pointer-key', 'blog:live'],
        { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' } });
        try {
            const lines = createInterface({ input: child.stdout });
            const [first] = await once(lines, 'line');
            const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first)?.[1];
            assert.ok(url, first);

            assert.deepEqual(await loadPage(url, '/'), ['r-process', 'r-process', 'r-process']);
        } finally {
            child.kill();
        }
    });
});
