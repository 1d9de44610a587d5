// The Lambda@Edge origin handlers beyond the shared vectors: what a broken or unusual store does, the
// manifest cache, and what reaches S3. Against moto S3 with the real @aws-sdk/client-s3.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PutObjectCommand, DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createOriginHandlers, ManifestCache, parsePointer } from '../origin.js';
import { freePort, startMoto } from './support/moto.js';
import { S3Site } from './support/store.js';
import { fakeKvs, loadViewerFunction } from './support/sandbox.js';
import { playCloudFront } from './support/cloudfront.js';

const html = (text) => ({ text, contentType: 'text/html; charset=utf-8' });
const js = (text) => ({ text, contentType: 'text/javascript; charset=utf-8' });

function originRequestEvent(uri, { bucket, prefix, querystring = '', headers = {} }) {
    return {
        Records: [{
            cf: {
                config: { eventType: 'origin-request', distributionId: 'EDFDVBD6EXAMPLE' },
                request: {
                    clientIp: '198.51.100.7',
                    method: 'GET',
                    uri,
                    querystring,
                    headers: { host: [{ key: 'Host', value: `${bucket}.s3.amazonaws.com` }], ...headers },
                    origin: { s3: { authMethod: 'origin-access-identity', customHeaders: {}, domainName: `${bucket}.s3.amazonaws.com`, path: `/${prefix}`, region: 'us-east-1' } },
                },
            },
        }],
    };
}

describe('live pointer formats', () => {
    // jamdeploy writes format 2 while a cleanup marks the releases it deletes; the edge reads the history of either.
    const pointer = (format, extra = {}) => JSON.stringify({
        live: 'r-two',
        history: [{ release: 'r-one', at: '2026-11-24T10:15:00+00:00', action: 'deploy' }, { release: 'r-two', at: '2026-11-24T10:16:00+00:00', action: 'deploy' }],
        format,
        ...extra,
    });

    test('formats 1 and 2 (with a cleanup mark) are read; 3 is refused naming the formats', () => {
        const marked = parsePointer(pointer(2, { deleting: { cleanup: 'token', since: '2026-11-24T10:17:00+00:00', releases: ['r-zero'] } }));

        assert.deepEqual(parsePointer(pointer(1)).history.map((h) => h.release), ['r-one', 'r-two']);
        assert.deepEqual(marked.history.map((h) => h.release), ['r-one', 'r-two']);
        assert.throws(() => parsePointer(pointer(3)), /live pointer format 3 is not supported \(expects 1 or 2\)/);
    });
});

describe('Lambda@Edge origin handlers', { timeout: 120_000 }, () => {
    let moto;
    let sites = 0;

    before(async () => {
        moto = await startMoto();
    });

    after(async () => {
        await moto?.stop();
    });

    /** A new site (own bucket) with its live release, and a CloudFront player over it. */
    async function newSite(files = { '/index.html': html('<h1>home</h1>') }, { options = {}, s3 } = {}) {
        const bucket = await moto.createBucket();
        const prefix = `site${++sites}`;
        const site = new S3Site(moto.s3, bucket, prefix);
        const id = `r${sites}-live`;
        await site.deploy(id, files);
        const logs = [];
        const origin = createOriginHandlers({ s3: s3 ?? moto.s3, options, log: (...entry) => logs.push(entry) });
        const kvs = new Map([['site:live', id]]);
        const viewer = loadViewerFunction({ kvs: fakeKvs(kvs) });
        const get = (target, request) => playCloudFront({ viewer, origin, s3: moto.s3, bucket, prefix }, target, request);
        // A flip as jamdeploy does it: live.json first, then the KeyValueStore key.
        const flip = async (to) => {
            await site.flip(to);
            kvs.set('site:live', to);
        };
        const deploy = async (to, releaseFiles) => {
            await site.storeRelease(to, releaseFiles);
            await flip(to);
        };
        return { bucket, prefix, site, id, origin, kvs, get, logs, flip, deploy };
    }

    test('an unknown release answers 404 "no such release", as serve does for a preview of one', async () => {
        const { origin, bucket, prefix } = await newSite();

        const response = await origin.originRequest(originRequestEvent('/_r/no-such-release/', { bucket, prefix }));

        assert.equal(response.status, '404');
        assert.equal(response.body, 'no such release\n');
        assert.equal(response.headers['cache-control'][0].value, 'no-store');
    });

    for (const [what, document] of [
        ['an unknown manifest format', (id) => JSON.stringify({ id, created: '2026-11-24T10:15:00+00:00', files: {}, format: 2 })],
        ['a corrupt manifest', () => '{"id": '],
        ['a manifest naming another release', () => JSON.stringify({ id: 'other', created: '2026-11-24T10:15:00+00:00', files: {}, format: 1 })],
        ['a manifest whose entry has no valid hash', (id) => JSON.stringify({ id, created: '2026-11-24T10:15:00+00:00', files: { '/index.html': { hash: '../live.json', size: 1, contentType: 'text/html' } }, format: 1 })],
        ['a JSON array', () => '[]'],
    ]) {
        test(`${what} answers a clean 503 and logs why`, async () => {
            const { get, site, logs, flip } = await newSite();
            await site.put('releases/r-broken.json', document('r-broken'), 'application/json');
            await flip('r-broken');

            const response = await get('/', {});

            assert.equal(response.status, 503);
            assert.equal(response.headers.get('cache-control'), 'no-store');
            assert.equal(response.body.toString(), 'the release cannot be read from its store\n');
            assert.equal(logs.length, 1);
        });
    }

    test('an unreachable store answers a clean 503', async () => {
        const closed = new S3Client({
            endpoint: `http://127.0.0.1:${await freePort()}`,
            region: 'us-east-1',
            forcePathStyle: true,
            maxAttempts: 1,
            credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        });
        const { get } = await newSite(undefined, { s3: closed });

        const response = await get('/', {});

        assert.equal(response.status, 503);
        assert.equal(response.stage, 'origin-request');
        closed.destroy();
    });

    test('a blob S3 cannot give answers a clean 503 at origin response, not its error body', async () => {
        const { get, site, flip } = await newSite();
        const entries = await site.storeRelease('r-missing-blob', { '/index.html': html('<h1>lost</h1>') });
        await moto.s3.send(new DeleteObjectCommand({ Bucket: site.bucket, Key: site.key(`blobs/${entries['/index.html'].hash}`) }));
        await flip('r-missing-blob');

        const response = await get('/', {});

        assert.equal(response.status, 503);
        assert.equal(response.stage, 'origin-response');
        assert.equal(response.headers.get('cache-control'), 'no-store');
        assert.equal(response.headers.get('etag'), undefined);
    });

    test('S3 gets a plain GET of the blob: no query, no validators of ours, no forged decision header', async () => {
        const { origin, bucket, prefix, id } = await newSite();
        const forged = encodeURIComponent(JSON.stringify({ status: 200, release: 'x', headers: [['Content-Type', 'text/html'], ['Set-Cookie', 'a=b']] }));

        const request = await origin.originRequest(originRequestEvent(`/_r/${id}/`, {
            bucket,
            prefix,
            querystring: 'acl',
            headers: {
                'if-none-match': [{ key: 'If-None-Match', value: '"abc"' }],
                'if-match': [{ key: 'If-Match', value: '"abc"' }],
                'x-jamdeploy-response': [{ key: 'x-jamdeploy-response', value: forged }],
            },
        }));

        assert.match(request.uri, /^\/blobs\/[0-9a-f]{64}$/);
        assert.equal(request.querystring, '');
        assert.equal(request.headers['if-none-match'], undefined);
        assert.equal(request.headers['if-match'], undefined);
        assert.doesNotMatch(decodeURIComponent(request.headers['x-jamdeploy-response'][0].value), /Set-Cookie/);
    });

    test('entry headers that Lambda@Edge would refuse, or that serve owns, are not sent', async () => {
        const { get } = await newSite({
            '/index.html': { ...html('x'), headers: { Via: '1.1 x', 'X-Amz-Cf-Id': 'x', 'Transfer-Encoding': 'chunked', ETag: '"x"', 'X-Frame-Options': 'DENY' } },
        });

        const response = await get('/', {});

        assert.equal(response.status, 200);
        assert.equal(response.headers.get('x-frame-options'), 'DENY');
        assert.equal(response.headers.get('via'), undefined);
        assert.equal(response.headers.get('x-amz-cf-id'), undefined);
        assert.equal(response.headers.get('transfer-encoding'), undefined);
        assert.match(response.headers.get('etag'), /^"[0-9a-f]{64}"$/);
    });

    test('a manifest is read once, then served from memory', async () => {
        const { get, origin } = await newSite({ '/index.html': html('a'), '/b.html': html('b') });

        await get('/', {});
        await get('/b', {});
        await get('/missing', {});

        assert.equal(origin.manifestCache.loads, 1);
    });

    test('the fallback of fingerprinted names stops after assetFallbackReleases releases', async () => {
        const { get, deploy } = await newSite({ '/app.aaaaaaaa.js': js('one()') }, { options: { assetFallbackReleases: 1 } });
        await deploy('r-two', { '/index.html': html('two') });
        await deploy('r-three', { '/index.html': html('three') });

        const response = await get('/app.aaaaaaaa.js', {});

        assert.equal(response.status, 404);
    });

    test('the fallback reaches the releases live before this one (here the second before)', async () => {
        const { get, deploy, id } = await newSite({ '/app.aaaaaaaa.js': js('one()') });
        await deploy('r-two', { '/index.html': html('two') });
        await deploy('r-three', { '/index.html': html('three') });

        const response = await get('/app.aaaaaaaa.js', {});

        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), 'one()');
        assert.equal(response.headers.get('x-jamdeploy-release'), id);
    });

    /** The real client, with the key of every GET it sends recorded (a layer around it, not a fake). */
    function recordingGets() {
        const keys = [];
        return {
            keys,
            send(command, ...rest) {
                if (command instanceof GetObjectCommand) keys.push(command.input.Key);
                return moto.s3.send(command, ...rest);
            },
        };
    }

    test('fallback misses within the pointer TTL share one read of live.json, concurrent ones included', async () => {
        const s3 = recordingGets();
        const { get, deploy, prefix } = await newSite({ '/app.aaaaaaaa.js': js('one()') }, { s3, options: { pointerTtlMs: 600_000 } });
        await deploy('r-two', { '/index.html': html('two') });

        const [first, second] = await Promise.all([get('/gone.bbbbbbbb.js', {}), get('/gone.cccccccc.js', {})]);
        const third = await get('/app.aaaaaaaa.js', {});

        assert.deepEqual([first.status, second.status, third.status], [404, 404, 200]);
        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length, 1);
    });

    test('within the pointer TTL, a miss for a release newer than the history read reads live.json again', async () => {
        // A page of r-two asks for its assets while the history read before r-two went live is still trusted.
        const s3 = recordingGets();
        const { get, deploy, prefix } = await newSite({ '/app.aaaaaaaa.js': js('one()') }, { s3, options: { pointerTtlMs: 600_000 } });
        await get('/gone.bbbbbbbb.js', {});
        await deploy('r-two', { '/index.html': html('two') });

        const response = await get('/app.aaaaaaaa.js', {});

        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), 'one()');
        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length, 2);
    });

    test('after the pointer TTL a fallback miss reads live.json again (a flip may have moved it)', async () => {
        const s3 = recordingGets();
        const { get, prefix } = await newSite(undefined, { s3, options: { pointerTtlMs: 0 } });

        await get('/gone.bbbbbbbb.js', {});
        await get('/gone.cccccccc.js', {});

        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length, 2);
    });

    test('one handler serves both triggers by the event type', async () => {
        const { bucket, prefix, id, origin } = await newSite();

        const request = await origin.handler(originRequestEvent(`/_r/${id}/`, { bucket, prefix }));

        assert.match(request.uri, /^\/blobs\//);
    });

    test('a URI without a release (the function is not attached) answers 404', async () => {
        const { bucket, prefix, origin } = await newSite();

        const response = await origin.originRequest(originRequestEvent('/index.html', { bucket, prefix }));

        assert.equal(response.status, '404');
    });
});

describe('manifest cache', () => {
    const load = (value, bytes) => async () => ({ value, bytes });

    test('keeps at most maxEntries, least recently used out', async () => {
        const cache = new ManifestCache(2, 1_000);
        await cache.get('a', load('A', 1));
        await cache.get('b', load('B', 1));
        await cache.get('a', load('A', 1));
        await cache.get('c', load('C', 1));

        assert.equal(cache.size, 2);
        assert.equal(cache.loads, 3);
        await cache.get('a', load('A', 1));
        assert.equal(cache.loads, 3, 'a was used last, so b went out');
        await cache.get('b', load('B', 1));
        assert.equal(cache.loads, 4);
    });

    test('keeps at most maxBytes (but always the newest)', async () => {
        const cache = new ManifestCache(100, 10);
        await cache.get('a', load('A', 6));
        await cache.get('b', load('B', 6));

        assert.equal(cache.size, 1);
        assert.equal(cache.bytes, 6);
        await cache.get('c', load('C', 50));
        assert.equal(cache.size, 1);
        assert.equal(cache.bytes, 50);
    });

    test('concurrent reads of one release share one load; a missing release or a failure is not kept', async () => {
        const cache = new ManifestCache(10, 1_000);
        let release;
        const gate = new Promise((resolve) => { release = resolve; });
        const slow = async () => { await gate; return { value: 'A', bytes: 1 }; };

        const both = Promise.all([cache.get('a', slow), cache.get('a', slow)]);
        release();
        assert.deepEqual(await both, ['A', 'A']);
        assert.equal(cache.loads, 1);

        assert.equal(await cache.get('missing', async () => null), null);
        await assert.rejects(cache.get('failing', async () => { throw new Error('S3 down'); }));
        assert.equal(cache.size, 1);
    });
});
