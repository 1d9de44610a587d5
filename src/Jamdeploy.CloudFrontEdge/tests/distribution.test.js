// The harness (tests/support/cloudfront.js, tests/emulator.js) plays the distribution of the template
// deploy/cloudformation/jamdeploy-serverless.json. These tests keep the two equal where encodings depend on it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normaliseAcceptEncoding } from './support/cloudfront.js';

const template = JSON.parse(readFileSync(new URL('../../../deploy/cloudformation/jamdeploy-serverless.json', import.meta.url), 'utf-8'));
const resources = Object.values(template.Resources);
const single = (type) => {
    const found = resources.filter((r) => r.Type === type);
    assert.equal(found.length, 1, type);
    return found[0].Properties;
};

describe('the distribution the harness plays', () => {
    test('its cache policy keys on the URI, the query and the normalised Accept-Encoding (brotli and gzip), and forwards no other header', () => {
        const key = single('AWS::CloudFront::CachePolicy').CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;

        assert.equal(key.EnableAcceptEncodingBrotli, true);
        assert.equal(key.EnableAcceptEncodingGzip, true);
        assert.equal(key.HeadersConfig.HeaderBehavior, 'none');
        assert.equal(key.CookiesConfig.CookieBehavior, 'none');
        assert.equal(key.QueryStringsConfig.QueryStringBehavior, 'all');
    });

    test("CloudFront compresses nothing itself: the edge's variants, their Vary and their strong ETags reach viewers as sent", () => {
        const behaviors = [single('AWS::CloudFront::Distribution').DistributionConfig.DefaultCacheBehavior,
            ...(single('AWS::CloudFront::Distribution').DistributionConfig.CacheBehaviors ?? [])];

        for (const behavior of behaviors) assert.equal(behavior.Compress, false);
    });

    // Developer Guide, "Controlling the cache key", Cache compressed objects (both formats enabled).
    for (const [sent, key, forwarded] of [
        ['gzip, deflate, br', 'br,gzip', 'br,gzip'],
        ['br;q=1.0, gzip;q=0.8, *;q=0.1', 'br,gzip', 'br,gzip'],
        ['gzip, deflate', 'gzip', 'gzip'],
        ['BR', 'br', 'br'],
        ['deflate, identity', undefined, 'identity'],
        [undefined, undefined, undefined],
    ]) {
        test(`a viewer's Accept-Encoding ${sent === undefined ? '(none)' : `"${sent}"`} is keyed as ${key ?? '(nothing)'} and forwarded as ${forwarded ?? '(nothing)'}`, () => {
            assert.deepEqual(normaliseAcceptEncoding(sent), { key, forwarded });
        });
    }
});
