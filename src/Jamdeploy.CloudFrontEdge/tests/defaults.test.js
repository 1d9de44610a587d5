// The serverless edge has no settings of its own: it copies serve's shipped defaults (the repository's
// appsettings.json `Serve` section, which the C# tests tie to ServeOptions). These tests keep the copies equal.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULTS } from '../origin.js';
import { fakeKvs, loadViewerFunction, viewerEvent } from './support/sandbox.js';

const serve = JSON.parse(readFileSync(new URL('../../../appsettings.json', import.meta.url), 'utf-8')).Serve;

/** A .NET TimeSpan in its constant form (`hh:mm:ss`, as the shipped file writes them) as milliseconds. */
function milliseconds(timeSpan) {
    const match = /^(\d{2}):(\d{2}):(\d{2})$/.exec(timeSpan);
    assert.ok(match, `a TimeSpan of the form hh:mm:ss: ${timeSpan}`);
    return ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000;
}

describe("the edge uses serve's shipped defaults", () => {
    test('origin.js DEFAULTS equal appsettings.json Serve', () => {
        assert.deepEqual(
            {
                trailingSlash: DEFAULTS.trailingSlash,
                assetFallbackReleases: DEFAULTS.assetFallbackReleases,
                maxPathLength: DEFAULTS.maxPathLength,
                pointerTtlMs: DEFAULTS.pointerTtlMs,
                cacheControl: { ...DEFAULTS.cacheControl },
            },
            {
                trailingSlash: serve.TrailingSlash.toLowerCase(),
                assetFallbackReleases: serve.AssetFallbackReleases,
                maxPathLength: serve.MaxPathLength,
                pointerTtlMs: milliseconds(serve.PointerTtl),
                cacheControl: {
                    html: serve.CacheControl.Html,
                    immutable: serve.CacheControl.Immutable,
                    default: serve.CacheControl.Default,
                    fingerprintPattern: serve.CacheControl.FingerprintPattern,
                },
            });
    });

    test("the viewer function's path limit is Serve:MaxPathLength decoded characters", async () => {
        const viewer = loadViewerFunction({ kvs: fakeKvs(new Map([['site:live', 'r1']])) });
        const path = (length) => `/${'a'.repeat(length - 1)}`;

        const longest = await viewer(viewerEvent(path(serve.MaxPathLength)));
        const tooLong = await viewer(viewerEvent(path(serve.MaxPathLength + 1)));

        assert.equal(longest.statusCode, undefined, 'a path of exactly the limit is let through');
        assert.equal(longest.uri, `/_r/r1${path(serve.MaxPathLength)}`);
        assert.equal(tooLong.statusCode, 414);
    });
});
