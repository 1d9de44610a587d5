// An emulated CloudFront distribution for tests: an HTTP front that runs the viewer-request function (in its
// sandbox; the KeyValueStore read over HTTP from a KVS URL), caches responses by the rewritten URI, the query and
// the normalised Accept-Encoding (the template's cache policy), answers If-None-Match from what it has, and on a
// miss runs the Lambda@Edge origin handlers against S3 (moto). It has no invalidation at all: freshness can
// only come from the release in the cache key.
//
// As a process: node tests/emulator.js --kvs-url <url> --s3-endpoint <url> --bucket B [--prefix P]
//   [--pointer-key site:live] [--preview-suffix S] [--asset-fallback-releases N]
//   prints `listening on http://127.0.0.1:<port>`
import http from 'node:http';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { createOriginHandlers } from '../origin.js';
import { fakeKvs, loadViewerFunction } from './support/sandbox.js';
import { answerConditional, runOrigin, runViewer } from './support/cloudfront.js';

/** The viewer headers CloudFront acts on for this distribution (the rest never reach the origin or the key). */
const VIEWER_HEADERS = { 'accept-encoding': 'Accept-Encoding', range: 'Range', 'if-none-match': 'If-None-Match' };

/**
 * A KeyValueStore handle that reads each key over HTTP: the C# fake's (FakeKeyValueStore) unsigned
 * `GET /_test/keys/<key>`, which answers the value as the body (text/plain), or 404.
 */
export function httpKvs(kvsUrl) {
    return fakeKvs(async (key) => {
        const response = await fetch(`${kvsUrl}/_test/keys/${encodeURIComponent(key)}`, { signal: AbortSignal.timeout(10_000) });
        if (response.status === 404) return undefined;
        if (!response.ok) throw new Error(`KeyValueStore answered ${response.status}`);
        return await response.text();
    });
}

export async function startEmulator({ kvs, s3, bucket, prefix = '', pointerKey = 'site:live', previewSuffix = '', originOptions = {}, log = () => {} }) {
    const viewer = loadViewerFunction({ kvs, pointerKey, previewSuffix });
    const origin = createOriginHandlers({ s3, options: originOptions, log });
    const edge = { origin, s3, bucket, prefix };
    const cache = new Map(); // cache key → response (unbounded: a test's worth)
    const inFlight = new Map(); // cache key → promise, so concurrent misses make one origin fetch, as CloudFront does
    const stats = { hits: 0, misses: 0 };

    async function respond(req) {
        const headers = {};
        for (const [lower, name] of Object.entries(VIEWER_HEADERS)) if (req.headers[lower] !== undefined) headers[name] = req.headers[lower];
        const viewed = await runViewer(viewer, req.url, { host: req.headers.host, method: req.method, headers });
        if (viewed.response) return viewed.response;
        // A range is fetched for itself and not kept (CloudFront keeps parts; this cache keeps whole answers only).
        if (viewed.headers.Range !== undefined) {
            stats.misses++;
            return runOrigin(edge, viewed);
        }
        const cached = cache.get(viewed.cacheKey);
        if (cached) {
            stats.hits++;
            return answerConditional(cached, viewed.viewerHeaders);
        }
        stats.misses++;
        let pending = inFlight.get(viewed.cacheKey);
        if (!pending) {
            pending = runOrigin(edge, viewed).finally(() => inFlight.delete(viewed.cacheKey));
            inFlight.set(viewed.cacheKey, pending);
        }
        const response = await pending;
        if (response.status < 500 && !/no-store|private/.test(response.headers.get('cache-control') ?? '')) cache.set(viewed.cacheKey, response);
        return answerConditional(response, viewed.viewerHeaders);
    }

    const server = http.createServer((req, res) => {
        respond(req).then(
            (response) => {
                const headers = Object.fromEntries(response.headers);
                headers['x-cache'] = response.stage === 'viewer' ? 'FunctionGeneratedResponse from cloudfront' : 'from emulator';
                res.writeHead(response.status, headers);
                res.end(req.method === 'HEAD' || response.status === 304 ? undefined : response.body);
            },
            (e) => {
                // CloudFront answers a failed Lambda@Edge with 502/503; the test sees it as such.
                log('error', 'Edge function failed: {Reason}', { Reason: String(e?.stack ?? e) });
                res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' }).end('edge function failed\n');
            },
        );
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${server.address().port}`;
    return {
        url,
        stats,
        close: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(resolve);
        }),
    };
}

async function main() {
    const { values } = parseArgs({
        options: {
            'kvs-url': { type: 'string' },
            's3-endpoint': { type: 'string' },
            bucket: { type: 'string' },
            prefix: { type: 'string', default: '' },
            'pointer-key': { type: 'string', default: 'site:live' },
            'preview-suffix': { type: 'string', default: '' },
            'asset-fallback-releases': { type: 'string' },
        },
    });
    for (const required of ['kvs-url', 's3-endpoint', 'bucket']) {
        if (!values[required]) {
            console.error(`emulator: --${required} is required (usage: node tests/emulator.js --kvs-url <url> --s3-endpoint <url> --bucket <name> [--prefix <p>])`);
            process.exit(2);
        }
    }
    const originOptions = {};
    if (values['asset-fallback-releases'] !== undefined) {
        const releases = Number(values['asset-fallback-releases']);
        if (!Number.isInteger(releases) || releases < 0) {
            console.error(`emulator: --asset-fallback-releases must be a whole number (got '${values['asset-fallback-releases']}')`);
            process.exit(2);
        }
        originOptions.assetFallbackReleases = releases;
    }
    const s3 = new S3Client({
        endpoint: values['s3-endpoint'],
        region: process.env.AWS_REGION ?? 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'testing', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing' },
    });
    const emulator = await startEmulator({
        kvs: httpKvs(values['kvs-url']),
        s3,
        bucket: values.bucket,
        prefix: values.prefix,
        pointerKey: values['pointer-key'],
        previewSuffix: values['preview-suffix'],
        originOptions,
        log: (level, template, fields) => console.error(JSON.stringify({ level, template, ...fields })),
    });
    console.log(`listening on ${emulator.url}`);
    const stop = () => emulator.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
