// The viewer-request CloudFront Function, run in a sandbox that offers only what cloudfront-js-2.0 offers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { Buffer } from 'node:buffer';
import { createSandbox, fakeKvs, functionSource, loadViewerFunction, viewerEvent } from './support/sandbox.js';

const LIVE = '20261124-101500-3f9a1c';
const STAGED = '20261124-090000-aaaaaa';
const live = (previewSuffix = 'preview.example.com') => loadViewerFunction({ kvs: fakeKvs(new Map([['site:live', LIVE]])), previewSuffix });
const run = (fn, target, options) => fn(viewerEvent(target, options));

describe('the sandbox', () => {
    test('offers no require, process, timers, fetch or Buffer, and no code from strings', () => {
        const { context } = createSandbox();
        for (const name of ['require', 'process', 'setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'Buffer', 'module', 'WebAssembly']) {
            assert.equal(vm.runInContext(`typeof ${name}`, context), 'undefined', name);
        }
        assert.throws(() => vm.runInContext('new Function("return 1")()', context), /Code generation from strings disallowed/);
    });

    test('the fake KeyValueStore rejects a missing key, as the real one does', async () => {
        await assert.rejects(fakeKvs(new Map()).get('site:live'), /not found/);
    });

    test('a function that imports anything but the cloudfront module is refused', () => {
        assert.throws(() => loadViewerFunction.call(null, { kvs: fakeKvs(new Map()), pointerKey: "x';\nimport fs from 'fs';//" }), /import only the cloudfront module/);
    });
});

describe('viewer-request function', () => {
    test('puts the live release into the URI and leaves the query string as it is', async () => {
        const event = viewerEvent('/docs/intro?utm=1&x=%20');
        const query = event.request.querystring;

        const request = await live()(event);

        assert.equal(request.uri, `/_r/${LIVE}/docs/intro`);
        assert.equal(request.querystring, query);
        assert.deepEqual(request.querystring, { utm: { value: '1' }, x: { value: '%20' } });
    });

    test('keeps the path encoded as the viewer sent it (the origin decodes it once)', async () => {
        const request = await run(live(), '/caf%C3%A9/with%20space.txt');

        assert.equal(request.uri, `/_r/${LIVE}/caf%C3%A9/with%20space.txt`);
    });

    test("a client's own /_r/ path is prefixed like any other: it cannot pick a release", async () => {
        const request = await run(live(), `/_r/${STAGED}/index.html`);

        assert.equal(request.uri, `/_r/${LIVE}/_r/${STAGED}/index.html`);
    });

    test('reads the pointer key the template set', async () => {
        const fn = loadViewerFunction({ kvs: fakeKvs(new Map([['blog:live', STAGED]])), pointerKey: 'blog:live' });

        assert.equal((await run(fn, '/')).uri, `/_r/${STAGED}/`);
    });

    for (const [what, kvs] of [
        ['a missing key', fakeKvs(new Map())],
        ['an unreadable store', fakeKvs(async () => { throw new Error('KeyValueStore unavailable'); })],
        ['a value that is not a release id', fakeKvs(new Map([['site:live', '../../etc']]))],
        ['an empty value', fakeKvs(new Map([['site:live', '']]))],
        ['an upper-case id', fakeKvs(new Map([['site:live', 'ABC']]))],
    ]) {
        test(`${what} answers a clean 503 that no cache keeps`, async () => {
            const response = await run(loadViewerFunction({ kvs }), '/index.html');

            assert.equal(response.statusCode, 503);
            assert.equal(response.headers['cache-control'].value, 'no-store');
            assert.equal(response.headers['content-type'].value, 'text/plain; charset=utf-8');
            assert.equal(response.body.encoding, 'text');
            assert.match(response.body.data, /\n$/);
        });
    }

    test('a preview host names its release, without reading the pointer', async () => {
        const kvs = fakeKvs(new Map([['site:live', LIVE]]));
        const fn = loadViewerFunction({ kvs, previewSuffix: 'preview.example.com' });

        const request = await run(fn, '/docs/', { host: `${STAGED}.Preview.Example.com` });

        assert.equal(request.uri, `/_r/${STAGED}/docs/`);
        assert.equal(kvs.reads, 0);
    });

    for (const [what, host, suffix] of [
        ['a host that only looks like a preview host', 'NOT..VALID!.preview.example.com', 'preview.example.com'],
        ['the bare preview suffix', 'preview.example.com', 'preview.example.com'],
        ['a suffix without its dot', `x${STAGED}preview.example.com`, 'preview.example.com'],
        ['previews turned off (empty suffix)', `${STAGED}.preview.example.com`, ''],
        ['an unreplaced placeholder', `${STAGED}.__jamdeploy_preview_suffix__`, '__JAMDEPLOY_PREVIEW_SUFFIX__'],
    ]) {
        test(`${what} serves the live release`, async () => {
            const request = await run(live(suffix), '/', { host });

            assert.equal(request.uri, `/_r/${LIVE}/`);
        });
    }

    for (const target of ['/a/../b', '/./a', '/a//b', '/a%2Fb', '/a%2fb', '/a%5Cb', '/a\\b', '/a%00', '/a%7F', '/a%0D%0A', '/%C3', '/%C0%AE%C0%AE/', '/%zz', '/%2', '/a\u00e9', '/a b\u0001', 'index.html', '/a#b']) {
        test(`refuses ${JSON.stringify(target)} with 400 before reading the pointer`, async () => {
            const kvs = fakeKvs(new Map([['site:live', LIVE]]));

            const response = await loadViewerFunction({ kvs })(viewerEvent(target));

            assert.equal(response.statusCode, 400);
            assert.equal(response.headers['cache-control'].value, 'no-store');
            assert.equal(kvs.reads, 0);
        });
    }

    test('a raw space is accepted, as serve accepts it', async () => {
        assert.equal((await run(live(), '/with space.txt')).uri, `/_r/${LIVE}/with space.txt`);
    });

    test('a decoded path over 1024 characters is refused with 414', async () => {
        const ok = await run(live(), `/${'a'.repeat(1023)}`);
        const tooLong = await run(live(), `/${'a'.repeat(1024)}`);
        const tooLongEncoded = await run(live(), `/${'%C3%A9'.repeat(1100)}`);

        assert.equal(ok.uri, `/_r/${LIVE}/${'a'.repeat(1023)}`);
        assert.equal(tooLong.statusCode, 414);
        assert.equal(tooLongEncoded.statusCode, 414);
    });

    test('fits the 10 KB CloudFront Functions size limit, with long placeholder values', () => {
        const source = functionSource({ pointerKey: `${'k'.repeat(200)}:live`, previewSuffix: `${'p'.repeat(60)}.example.com` });

        assert.ok(Buffer.byteLength(source, 'utf-8') <= 10 * 1024, `${Buffer.byteLength(source, 'utf-8')} bytes`);
    });

    test('both placeholders are in the source, once each', () => {
        const raw = functionSource({ pointerKey: '__JAMDEPLOY_POINTER_KEY__', previewSuffix: '__JAMDEPLOY_PREVIEW_SUFFIX__' });

        assert.equal(raw.match(/'__JAMDEPLOY_POINTER_KEY__'/g).length, 1);
        assert.equal(raw.match(/'__JAMDEPLOY_PREVIEW_SUFFIX__'/g).length, 1);
    });
});
