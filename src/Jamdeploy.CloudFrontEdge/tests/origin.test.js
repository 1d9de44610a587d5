// The Lambda@Edge origin handlers beyond the shared vectors: what a broken or unusual store does, the
// manifest cache, and what reaches S3. Against moto S3 with the real @aws-sdk/client-s3.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { PutObjectCommand, DeleteObjectCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { compilePattern, createOriginHandlers, ManifestCache, matchPattern, parsePointer, RESPONSE_HEADER } from '../origin.js';
import { freePort, startMoto } from './support/moto.js';
import { compressors, entriesOf, S3Site, sha256 } from './support/store.js';
import { fakeKvs, loadViewerFunction } from './support/sandbox.js';
import { playCloudFront } from './support/cloudfront.js';
import { startEmulator } from './emulator.js';

const html = (text) => ({ text, contentType: 'text/html; charset=utf-8' });
const js = (text) => ({ text, contentType: 'text/javascript; charset=utf-8' });
/** A page large enough that brotli and gzip differ and a range of it is a real part, stored with both codings. */
const compressible = {
    text: Array.from({ length: 80 }, (_, i) => `<p>paragraph ${i} of a page that compresses well</p>`).join('\n'),
    contentType: 'text/html; charset=utf-8',
    encodings: ['br', 'gzip'],
};

/** A GET over a socket, the body as sent (fetch would decode a Content-Encoding). */
function httpGet(url, headers = {}) {
    return new Promise((resolve, reject) => {
        const request = http.get(url, { headers, timeout: 30_000 }, (response) => {
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
            response.on('error', reject);
        });
        request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)));
        request.on('error', reject);
    });
}

/** The decision origin request handed to origin response, as [name, value] pairs. */
const planOf = (request) => JSON.parse(decodeURIComponent(request.headers[RESPONSE_HEADER][0].value));

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
    async function newSite(files = { '/index.html': html('<h1>home</h1>') }, { options = {}, s3, rules } = {}) {
        const bucket = await moto.createBucket();
        const prefix = `site${++sites}`;
        const site = new S3Site(moto.s3, bucket, prefix);
        const id = `r${sites}-live`;
        await site.deploy(id, files, { rules });
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
        const deploy = async (to, releaseFiles, releaseRules) => {
            await site.storeRelease(to, releaseFiles, { rules: releaseRules });
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

    for (const [what, document, request = {}] of [
        ['an unknown manifest format', (id) => JSON.stringify({ id, created: '2026-11-24T10:15:00+00:00', files: {}, format: 3 })],
        ['a corrupt manifest', () => '{"id": '],
        ['a manifest naming another release', () => JSON.stringify({ id: 'other', created: '2026-11-24T10:15:00+00:00', files: {}, format: 1 })],
        ['a manifest whose entry has no valid hash', (id) => JSON.stringify({ id, created: '2026-11-24T10:15:00+00:00', files: { '/index.html': { hash: '../live.json', size: 1, contentType: 'text/html' } }, format: 1 })],
        ['a JSON array', () => '[]'],
        ['a rule status the edge does not serve', (id) => JSON.stringify({ id, created: '2026-11-24T10:15:00+00:00', files: {}, format: 2, rules: { headers: [], redirects: [{ from: '/a', to: '/b', status: 418, force: false }] } })],
        ['an encoding whose blob name is not a hash', (id) => JSON.stringify({ id, created: '2026-11-24T10:15:00+00:00', files: { '/index.html': { hash: 'a'.repeat(64), size: 9, contentType: 'text/html', encodings: { br: { hash: '../live.json', size: 1 } } } }, format: 2 }), { headers: { 'Accept-Encoding': 'br' } }],
    ]) {
        test(`${what} answers a clean 503 and logs why`, async () => {
            const { get, site, logs, flip } = await newSite();
            await site.put('releases/r-broken.json', document('r-broken'), 'application/json');
            await flip('r-broken');

            const response = await get('/', request);

            assert.equal(response.status, 503);
            assert.equal(response.stage, 'origin-request', 'refused before S3 is asked for any blob');
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

    test('fallback answers within the pointer TTL share one read of live.json, concurrent ones included', async () => {
        const s3 = recordingGets();
        const { get, deploy, prefix } = await newSite({ '/app.aaaaaaaa.js': js('one()'), '/lib.bbbbbbbb.js': js('lib()') }, { s3, options: { pointerTtlMs: 600_000 } });
        await deploy('r-two', { '/index.html': html('two') });

        const [first, second] = await Promise.all([get('/app.aaaaaaaa.js', {}), get('/lib.bbbbbbbb.js', {})]);
        const third = await get('/app.aaaaaaaa.js', {});

        assert.deepEqual([first.status, second.status, third.status], [200, 200, 200]);
        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length, 1);
    });

    test('fallback misses read live.json once more before a 404, one read for the concurrent ones', async () => {
        const s3 = recordingGets();
        const { get, deploy, prefix } = await newSite({ '/app.aaaaaaaa.js': js('one()') }, { s3, options: { pointerTtlMs: 600_000 } });
        await deploy('r-two', { '/index.html': html('two') });

        const [first, second] = await Promise.all([get('/gone.bbbbbbbb.js', {}), get('/gone.cccccccc.js', {})]);
        const third = await get('/app.aaaaaaaa.js', {});

        assert.deepEqual([first.status, second.status, third.status], [404, 404, 200]);
        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length, 2);
    });

    test('within the pointer TTL, a miss for a release newer than the history read reads live.json again', async () => {
        // A page of r-two asks for its assets while the history read before r-two went live is still trusted.
        const s3 = recordingGets();
        const { get, deploy, prefix } = await newSite({ '/app.aaaaaaaa.js': js('one()') }, { s3, options: { pointerTtlMs: 600_000 } });
        await get('/gone.bbbbbbbb.js', {});
        await deploy('r-two', { '/index.html': html('two') });
        const before = s3.keys.filter((k) => k === `${prefix}/live.json`).length;

        const response = await get('/app.aaaaaaaa.js', {});

        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), 'one()');
        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length - before, 1);
    });

    test('within the pointer TTL, a miss after a promote back to an older release finds the assets of the release live before it', async () => {
        // r-two's page asks for its asset after a promote back to the first release, while the history read when
        // r-two was live is still trusted: counted from the first release's old move, r-two would not be found.
        const s3 = recordingGets();
        const { get, deploy, flip, id, prefix } = await newSite({ '/index.html': html('one') }, { s3, options: { pointerTtlMs: 600_000 } });
        await deploy('r-two', { '/index.html': html('two'), '/two.bbbbbbbb.js': js('two()') });
        await get('/gone.cccccccc.js', {});
        await flip(id);
        const before = s3.keys.filter((k) => k === `${prefix}/live.json`).length;

        const response = await get('/two.bbbbbbbb.js', {});

        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), 'two()');
        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length - before, 1);
    });

    test('within the pointer TTL, a miss after a rollback to the release the history ended with finds the assets of the release live in between', async () => {
        // The history was read while the first release was live; r-two went live and was rolled back within the TTL.
        // The history still ends with the live release, but it never saw r-two, whose pages ask for their assets.
        const s3 = recordingGets();
        const { get, deploy, flip, id, prefix } = await newSite({ '/index.html': html('one') }, { s3, options: { pointerTtlMs: 600_000 } });
        await get('/gone.cccccccc.js', {});
        await deploy('r-two', { '/index.html': html('two'), '/two.bbbbbbbb.js': js('two()') });
        await flip(id);

        const response = await get('/two.bbbbbbbb.js', {});

        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), 'two()');
        assert.equal(response.headers.get('x-jamdeploy-release'), 'r-two');
    });

    test('after the pointer TTL a fallback reads live.json again (a flip may have moved it)', async () => {
        const s3 = recordingGets();
        const { get, deploy, prefix } = await newSite({ '/app.aaaaaaaa.js': js('one()') }, { s3, options: { pointerTtlMs: 0 } });
        await deploy('r-two', { '/index.html': html('two') });

        const answers = [await get('/app.aaaaaaaa.js', {}), await get('/app.aaaaaaaa.js', {})];

        assert.deepEqual(answers.map((a) => a.status), [200, 200]);
        assert.equal(s3.keys.filter((k) => k === `${prefix}/live.json`).length, 2);
    });

    test("304 answers an If-None-Match of the representation asked for only: each normalised Accept-Encoding is its own cached object with its own ETag", async () => {
        const { bucket, prefix, kvs } = await newSite({ '/index.html': compressible });
        const emulator = await startEmulator({ kvs: fakeKvs(kvs), s3: moto.s3, bucket, prefix });
        try {
            const br = await httpGet(`${emulator.url}/`, { 'Accept-Encoding': 'gzip, deflate, br' });
            const gzip = await httpGet(`${emulator.url}/`, { 'Accept-Encoding': 'gzip' });
            const plain = await httpGet(`${emulator.url}/`);

            const revalidated = await httpGet(`${emulator.url}/`, { 'Accept-Encoding': 'br, gzip', 'If-None-Match': br.headers.etag });
            const otherCoding = await httpGet(`${emulator.url}/`, { 'Accept-Encoding': 'gzip', 'If-None-Match': br.headers.etag });
            const noCoding = await httpGet(`${emulator.url}/`, { 'If-None-Match': br.headers.etag });

            assert.deepEqual([br.headers['content-encoding'], gzip.headers['content-encoding'], plain.headers['content-encoding']], ['br', 'gzip', undefined]);
            for (const response of [br, gzip, plain]) {
                assert.equal(response.headers.etag, `"${sha256(response.body)}"`);
                assert.equal(response.headers.vary, 'Accept-Encoding');
            }
            assert.equal(revalidated.status, 304);
            assert.equal(revalidated.headers.etag, br.headers.etag);
            assert.equal(revalidated.headers.vary, 'Accept-Encoding');
            assert.equal(revalidated.body.length, 0);
            assert.equal(otherCoding.status, 200);
            assert.equal(otherCoding.headers['content-encoding'], 'gzip');
            assert.deepEqual(otherCoding.body, gzip.body);
            assert.equal(noCoding.status, 200);
            assert.equal(noCoding.body.toString(), compressible.text);
            assert.deepEqual(emulator.stats, { hits: 3, misses: 3 }, 'one origin fetch per representation');
        } finally {
            await emulator.close();
        }
    });

    test('a Range on an encoded representation is a range of the encoded bytes (as nginx gzip_static serves it)', async () => {
        const { get } = await newSite({ '/index.html': compressible });
        const encoded = compressors.br(Buffer.from(compressible.text));

        const response = await get('/', { headers: { 'Accept-Encoding': 'br', Range: 'bytes=10-29' } });

        assert.equal(response.status, 206);
        assert.equal(response.headers.get('content-range'), `bytes 10-29/${encoded.length}`);
        assert.deepEqual(response.body, encoded.subarray(10, 30));
        assert.equal(response.headers.get('content-length'), '20');
        assert.equal(response.headers.get('content-encoding'), 'br');
        assert.equal(response.headers.get('etag'), `"${sha256(encoded)}"`);
        assert.equal(response.headers.get('vary'), 'Accept-Encoding');
    });

    // Behind the template's cache policy the origin sees only `br,gzip`, `br`, `gzip`, `identity` or nothing; a
    // distribution that forwards Accept-Encoding as the viewer sent it (or none at all) reaches these.
    for (const [accept, expected] of [
        ['br;q=0, gzip', 'gzip'],
        ['gzip;q=0, br;q=0', null],
        ['br;q=0.1, gzip;q=1', 'br'], // weights say what is acceptable; among those the smallest is sent
        ['*', 'br'],
        ['*;q=0, identity', null],
        ['', null],
        ['identity;q=0, gzip;q=0', null], // nothing acceptable (br is not listed, no `*`): the file as it is, as RFC 9110 12.5.3 advises
    ]) {
        test(`Accept-Encoding "${accept}" as the origin receives it is honoured, q=0 refusals too`, async () => {
            const files = { '/index.html': compressible };
            const { origin, bucket, prefix, id } = await newSite(files);
            const { entries } = entriesOf(files);
            const event = originRequestEvent(`/_r/${id}/`, { bucket, prefix, headers: { 'accept-encoding': [{ key: 'Accept-Encoding', value: accept }] } });

            const request = await origin.originRequest(event);

            const sent = expected === null ? entries['/index.html'].hash : entries['/index.html'].encodings[expected].hash;
            const coding = planOf(request).headers.find(([name]) => name === 'Content-Encoding')?.[1] ?? null;
            assert.equal(request.uri, `/blobs/${sent}`);
            assert.equal(coding, expected);
            assert.equal(request.headers['accept-encoding'][0].value, accept, 'Accept-Encoding is read-only in origin request: left as it came');
        });
    }

    test('a rewrite whose target names no file answers the 404 page, a forced one too (the file at the path does not answer)', async () => {
        const rules = {
            headers: [],
            redirects: [
                { from: '/app/*', to: '/app/missing.html', status: 200, force: false },
                { from: '/forced', to: '/nowhere/', status: 200, force: true },
            ],
        };
        const { get } = await newSite({ '/404.html': html('not here'), '/forced.html': html('shadowed') }, { rules });

        const rewrite = await get('/app/settings', {});
        const forced = await get('/forced', {});

        for (const response of [rewrite, forced]) {
            assert.equal(response.status, 404);
            assert.equal(response.body.toString(), 'not here');
            assert.equal(response.headers.get('etag'), undefined);
        }
    });

    test('a rewrite whose target names no file, in a release without a 404 page, answers the plain 404', async () => {
        const rules = { headers: [], redirects: [{ from: '/*', to: '/shell.html', status: 200, force: false }] };
        const { get } = await newSite({ '/index.html': html('home') }, { rules });

        const response = await get('/anything', {});

        assert.equal(response.status, 404);
        assert.equal(response.stage, 'origin-request');
        assert.equal(response.body.toString(), 'not found\n');
    });

    test('rule headers that Lambda@Edge would refuse, or that serve owns, are not sent; a rule\'s Vary joins the coding\'s', async () => {
        const rules = {
            headers: [{ path: '/*', headers: { 'X-Amzn-Trace': 'x', 'Content-Encoding': 'gzip', 'Content-Length': '1', Via: 'x', Vary: 'Origin', 'X-Frame-Options': 'DENY' } }],
            redirects: [],
        };
        const { get } = await newSite({ '/index.html': compressible }, { rules });

        const response = await get('/', { headers: { 'Accept-Encoding': 'br' } });

        assert.equal(response.status, 200);
        assert.equal(response.headers.get('x-frame-options'), 'DENY');
        assert.equal(response.headers.get('x-amzn-trace'), undefined);
        assert.equal(response.headers.get('via'), undefined);
        assert.equal(response.headers.get('content-encoding'), 'br');
        assert.equal(response.headers.get('content-length'), String(response.body.length));
        assert.equal(response.headers.get('vary'), 'Origin, Accept-Encoding');
    });

    test("a rollback brings the release's redirect back with its files, at once (the rules travel in the manifest)", async () => {
        const withRedirect = { headers: [], redirects: [{ from: '/old', to: '/new', status: 301, force: false }] };
        const { get, deploy, flip, id } = await newSite({ '/index.html': html('one') }, { rules: withRedirect });
        await deploy('r-without', { '/index.html': html('two') });
        const gone = await get('/old', {});

        await flip(id);
        const back = await get('/old', {});

        assert.equal(gone.status, 404);
        assert.equal(back.status, 301);
        assert.equal(back.headers.get('location'), '/new');
    });

    test('a 404 page with encodings is sent encoded with Vary, with status 404 and no ETag', async () => {
        const { get } = await newSite({ '/index.html': html('home'), '/404.html': compressible });
        const encoded = compressors.gzip(Buffer.from(compressible.text));

        const response = await get('/missing', { headers: { 'Accept-Encoding': 'gzip', Range: 'bytes=0-9' } });

        assert.equal(response.status, 404);
        assert.deepEqual(response.body, encoded, 'the whole page: a range never applies to the 404 page');
        assert.equal(response.headers.get('content-encoding'), 'gzip');
        assert.equal(response.headers.get('vary'), 'Accept-Encoding');
        assert.equal(response.headers.get('etag'), undefined);
    });

    for (const [name, from, to, target, location] of [
        ['a splat holding an encoded ? or # stays in the Location\'s path', '/news/*', '/blog/:splat', '/news/what%3F%23now?x=1', '/blog/what%3F%23now?x=1'],
        ['a rule\'s own query replaces the request\'s; values in it are encoded as a component', '/search/:term', '/find?q=:term&sort=new', '/search/caf%C3%A9%20%26co?x=1', '/find?q=caf%C3%A9%20%26co&sort=new'],
        ['the request\'s query goes before the rule\'s fragment', '/docs-old', '/docs/#intro', '/docs-old?a=1', '/docs/?a=1#intro'],
    ]) {
        test(`redirect Location: ${name}`, async () => {
            const { get } = await newSite({ '/index.html': html('home') }, { rules: { headers: [], redirects: [{ from, to, status: 302, force: false }] } });

            const response = await get(target, {});

            assert.equal(response.status, 302);
            assert.equal(response.headers.get('location'), location);
        });
    }

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

describe('rule patterns', () => {
    for (const [pattern, path, expected] of [
        ['/news/*', '/news', { splat: '' }],
        ['/news/*', '/news/a/b', { splat: 'a/b' }],
        ['/news/*', '/newsroom', null],
        ['/:year/*', '/2024', { year: '2024', splat: '' }],
        ['/p/:id', '/p/', null],
        ['/p/:id', '/p/a/b', null],
        ['/files/*.pdf', '/files/a/b.pdf', { splat: 'a/b' }],
        ['/a.b', '/axb', null],
        ['/(x)+[y]', '/(x)+[y]', {}],
        ['/*', '/line\u2028separator', { splat: 'line\u2028separator' }],
        ['/Docs/*', '/docs/a', null],
    ]) {
        test(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(path)}`, () => {
            const values = matchPattern(compilePattern(pattern), path);

            assert.deepEqual(values && Object.fromEntries(values), expected);
        });
    }
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
