// The shared resolution vectors (tests/edge-vectors/resolution.json), run through the CloudFront Function
// (in its sandbox) and the Lambda@Edge origin handlers against moto S3 with the real @aws-sdk/client-s3:
// the same cases `jamdeploy serve` runs in tests/Jamdeploy.Edge.Tests/ResolutionVectorTests.cs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createOriginHandlers } from '../origin.js';
import { startMoto } from './support/moto.js';
import { S3Site, sha256 } from './support/store.js';
import { fakeKvs, loadViewerFunction } from './support/sandbox.js';
import { playCloudFront, runOrigin } from './support/cloudfront.js';

const vectors = JSON.parse(readFileSync(new URL('../../../tests/edge-vectors/resolution.json', import.meta.url), 'utf-8'));
const releases = new Map(vectors.releases.map((r) => [r.name, r]));
const live = vectors.releases.at(-1);
const releaseHeader = vectors.releaseHeader;
const decoders = { br: brotliDecompressSync, gzip: gunzipSync };
/** A request target short enough for a test name. */
const shown = (request) => (request.length > 60 ? `${request.slice(0, 40)}… (${request.length} characters)` : request);

describe('resolution vectors through the CloudFront edge', { timeout: 120_000 }, () => {
    let moto;
    let bucket;
    const prefix = 'sites/vectors';

    before(async () => {
        moto = await startMoto();
        bucket = await moto.createBucket();
        const site = new S3Site(moto.s3, bucket, prefix);
        for (const release of vectors.releases) await site.deploy(release.id, release.files, { rules: release.rules });
    });

    after(async () => {
        await moto?.stop();
    });

    for (const vector of vectors.cases) {
        const method = vector.method ?? 'GET';
        test(`${vector.name}: ${method} ${vector.host ?? ''}${shown(vector.request)}${vector.options ? ` with ${JSON.stringify(vector.options)}` : ''}`, { timeout: 30_000 }, async () => {
            // Previews on `<id>.localhost`, as serve's default host suffix: the vectors' `host` cases name a release.
            const viewer = loadViewerFunction({ kvs: fakeKvs(new Map([['site:live', live.id]])), previewSuffix: 'localhost' });
            const origin = createOriginHandlers({ s3: moto.s3, options: vector.options ?? {}, log: () => {} });

            const response = await playCloudFront({ viewer, origin, s3: moto.s3, bucket, prefix }, vector.request, { method, host: vector.host, headers: vector.requestHeaders });

            assertMatches(vector, response);
        });

        // A distribution without the viewer function (or a request that reaches the origin some other way) must
        // be refused by the origin just as the viewer refuses it.
        if (vector.status === 400 || vector.status === 414) {
            test(`${vector.name}: origin request alone on /_r/<live>${shown(vector.request)}`, { timeout: 30_000 }, async () => {
                const origin = createOriginHandlers({ s3: moto.s3, options: vector.options ?? {}, log: () => {} });
                const uri = `/_r/${live.id}${vector.request}`;

                const response = await runOrigin({ origin, s3: moto.s3, bucket, prefix }, { uri, query: '', method, headers: {}, cacheKey: uri });

                assert.equal(response.stage, 'origin-request');
                assert.equal(response.status, vector.status, `${vector.name} (${shown(vector.request)}): status`);
            });
        }
    }
});

/** The vector's expectations against what CloudFront would send (exported for the emulator test). */
export function assertMatches(vector, response) {
    const where = `${vector.name} (${shown(vector.request)})`;
    assert.equal(response.status, vector.status, `${where}: status (answered by ${response.stage})`);
    for (const [name, value] of Object.entries(vector.headers ?? {})) {
        assert.equal(response.headers.get(name.toLowerCase()) ?? null, value, `${where}: ${name}`);
    }
    // CloudFront sends no body on HEAD (this harness plays a GET's); a HEAD case states headers only.
    if (vector.method === 'HEAD') assert.equal(vector.serves, undefined, `${where}: a HEAD case states its headers, not a body`);
    if (!vector.serves) return;
    const serves = typeof vector.serves === 'string' ? { release: live.name, path: vector.serves } : vector.serves;
    const release = releases.get(serves.release);
    const file = release.files[serves.path];
    // The bytes sent: the file, or (with `encoding`) its compressed form, which decodes to the file.
    const bytes = response.body;
    const text = vector.encoding ? decoders[vector.encoding](bytes).toString('utf-8') : bytes.toString('utf-8');
    assert.equal(text, file.text, `${where}: body`);
    if (!vector.encoding) assert.equal(bytes.toString('utf-8'), file.text, `${where}: body sent as it is`);
    assert.equal(response.headers.get('content-encoding') ?? null, vector.encoding ?? null, `${where}: Content-Encoding`);
    assert.equal(response.headers.get('vary') ?? null, vector.vary ?? null, `${where}: Vary`);
    assert.equal(response.headers.get('content-length'), String(bytes.length), `${where}: Content-Length`);
    assert.equal(response.headers.get('content-type'), file.contentType, `${where}: Content-Type`);
    assert.equal(response.headers.get(releaseHeader.toLowerCase()), release.id, `${where}: ${releaseHeader}`);
    assert.equal(response.headers.get('etag') ?? null, response.status === 200 ? `"${sha256(bytes)}"` : null, `${where}: ETag`);
}
