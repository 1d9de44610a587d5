// jamdeploy Lambda@Edge origin handlers (Node.js 20): origin request and origin response.
//
// The viewer-request function rewrote the URI to `/_r/<release-id>/<path>`. Origin request resolves that
// path through the release's manifest exactly as `jamdeploy serve` does (src/Jamdeploy.Edge:
// ReleaseResolver, CacheRules, FileResponder, EdgeEndpoints) and the release's site rules (forced rules,
// then its files, then the fallback of fingerprinted names, then unforced rules, then the 404 page), and then
// either answers directly (a redirect, plain 404, 503) or points the S3 request at `/blobs/<sha256>` of the
// representation the request accepts (the file, or its brotli or gzip blob; CloudFront prepends the origin
// path, `/<prefix>`). Origin response then puts the headers serve would send on the blob's response.
//
// From origin request to origin response, the decision travels as one request header
// (`x-jamdeploy-response`): CloudFront gives origin response "the request that CloudFront forwarded to
// the origin and that might have been modified by the Lambda function that was triggered by an origin
// request event" (CloudFront Developer Guide, "Lambda@Edge event structure", Response events).
//
// Lambda@Edge has no environment variables: the bucket, its region and the site prefix come from the
// event's S3 origin (`domainName`, `region`, `path`). Settings are serve's defaults (ServeOptions).
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';

export const DEFAULTS = Object.freeze({
    trailingSlash: 'redirect', // or 'serve'
    assetFallbackReleases: 3,
    maxPathLength: 1024,
    pointerTtlMs: 2000, // Serve:PointerTtl: how long a read of live.json (for the fallback) is trusted
    manifestCacheEntries: 32,
    manifestCacheBytes: 64 * 1024 * 1024,
    cacheControl: Object.freeze({
        html: 'public, max-age=0, must-revalidate',
        immutable: 'public, max-age=31536000, immutable',
        default: 'public, max-age=0, must-revalidate',
        fingerprintPattern: '[.-][0-9a-f]{8,}\\.[A-Za-z0-9]+$',
    }),
});

export const RESPONSE_HEADER = 'x-jamdeploy-response';
const RELEASE_HEADER = 'X-Jamdeploy-Release';
const RELEASE_PREFIX = '/_r/';
const RESERVED_PREFIX = '/_jamdeploy';
const MANIFEST_FORMATS = [1, 2]; // 2: site rules and precompressed encodings (Manifest.CurrentFormat)
// Format 2 is the pointer while a cleanup marks the releases it deletes (`deleting`); the edge reads only `history`.
const POINTER_FORMATS = [1, 2];
const RELEASE_ID = /^[a-z0-9_-][a-z0-9._-]{0,99}$/;
const SHA256 = /^[0-9a-f]{64}$/;

// Headers a manifest entry or a header rule may not set: serve owns framing, validators and the coding
// (FileResponder.ReservedHeaders), and Lambda@Edge refuses a response that sets a header it disallows or that
// is read-only in origin response (a 502 for the viewer; CloudFront Developer Guide, "Restrictions on all edge
// functions"). Cache-Control is not here: it replaces the default rule; Vary is joined with ours.
const RESERVED_HEADERS = new Set([
    'content-length', 'content-range', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'etag',
    'accept-ranges', 'via', 'keep-alive', 'upgrade', 'expect', 'proxy-authenticate', 'proxy-authorization',
    'proxy-connection', 'trailer', 'x-cache', 'x-forwarded-proto', 'x-real-ip', RESPONSE_HEADER,
]);
const RESERVED_HEADER_PREFIXES = ['x-amz-cf-', 'x-amzn-', 'x-edge-', 'x-accel-'];

// The content-codings an entry may carry that the edge serves, in the order a tie between sizes is broken.
const CODINGS = ['br', 'gzip'];
const REDIRECT_STATUSES = new Map([[301, 'Moved Permanently'], [302, 'Found'], [303, 'See Other'], [307, 'Temporary Redirect'], [308, 'Permanent Redirect']]);
const RULE_STATUSES = new Set([...REDIRECT_STATUSES.keys(), 200, 404]);

// Request headers S3 would evaluate against its own (MD5) ETag, or that would turn a 404 page into a part.
const CONDITIONAL_HEADERS = ['if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range'];

/** A problem reading the store: the viewer gets a clean 503, the log gets the reason. */
class StoreError extends Error {}

/**
 * The handlers over one S3 client source. `s3` is a client, or a function from region to client (so
 * production builds one per origin region and tests inject one pointed at moto).
 */
export function createOriginHandlers({ s3, options = {}, log = defaultLog } = {}) {
    const settings = { ...DEFAULTS, ...options, cacheControl: { ...DEFAULTS.cacheControl, ...(options.cacheControl ?? {}) } };
    const clientFor = typeof s3 === 'function' ? s3 : () => s3;
    const fingerprint = new RegExp(settings.cacheControl.fingerprintPattern);
    const manifests = new ManifestCache(settings.manifestCacheEntries, settings.manifestCacheBytes);
    // The pointer history by store, read at most once per pointerTtlMs: fallback misses come in bursts after a
    // flip (every old page asks for its assets), and each would otherwise GET and parse live.json again.
    const histories = new Map();
    let historyReads = 0;

    async function originRequest(event) {
        const request = event.Records[0].cf.request;
        const origin = storeOf(request);
        const target = splitReleaseUri(request.uri);
        if (!target) return plain(404, 'not found');
        const decoded = decodePath(target.rawPath, settings.maxPathLength);
        if (decoded.status) return decoded.status === 414 ? plain(414, 'request path too long') : plain(400, 'bad request path');
        const path = decoded.path;
        if (isReserved(path)) return plain(404, 'not found');

        try {
            const release = await loadRelease(origin, target.release);
            if (!release) return plain(404, 'no such release');
            const answer = (file, status, from = release) => toBlob(request, { release: from.id, rules: release.rules, path, file, entry: from.files.get(file), status });

            const forced = matchRedirect(release.rules.redirects, path, true);
            if (forced) return applyRule(release, forced, request, answer);
            const resolution = resolve(release.files, path, settings.trailingSlash);
            if (resolution.kind === 'file') return answer(resolution.path, 200);
            if (resolution.kind === 'redirect') return redirect(release.id, 301, encodePath(resolution.location) + (request.querystring ? `?${request.querystring}` : ''));
            if (fingerprint.test(fileName(path))) {
                const previous = await fallbackRelease(origin, release.id, path);
                if (previous) return answer(path, 200, previous);
            }
            const unforced = matchRedirect(release.rules.redirects, path, false);
            if (unforced) return applyRule(release, unforced, request, answer);
            return notFound(release, answer);
        } catch (e) {
            if (!(e instanceof StoreError)) throw e;
            log('error', 'Cannot serve {Path} of {Release}: {Reason}', { Path: path, Release: target.release, Reason: e.message });
            return plain(503, 'the release cannot be read from its store');
        }
    }

    /** A redirect (its Location), a rewrite (the file its target resolves to, 200) or a not-found page (404). */
    function applyRule(release, { rule, values }, request, answer) {
        const { path, query, fragment } = rule.to;
        if (REDIRECT_STATUSES.has(rule.status)) {
            // The request's query goes along unless the rule writes one of its own.
            const search = query ? substituteEncoded(query, values) : request.querystring ? `?${request.querystring}` : '';
            return redirect(release.id, rule.status, encodePath(substitute(path, values)) + search + substituteEncoded(fragment, values));
        }
        const file = resolveTarget(release.files, substitute(path, values));
        // A target that names no file of the release answers what a path that names nothing answers.
        if (file === null) return notFound(release, answer);
        return answer(file, rule.status);
    }

    function notFound(release, answer) {
        return release.files.has('/404.html') ? answer('/404.html', 404) : plain(404, 'not found');
    }

    async function originResponse(event) {
        const { request, response } = event.Records[0].cf;
        const marker = request.headers[RESPONSE_HEADER];
        if (!marker) return response;
        let plan;
        try {
            plan = JSON.parse(decodeURIComponent(marker[0].value));
        } catch {
            return response;
        }
        const status = Number(response.status);
        if (status !== 200 && status !== 206 && status !== 304) {
            // The manifest names a blob S3 cannot give: serve answers this with a clean 503 too.
            log('error', 'Blob {Uri} of {Release} answered {Status}', { Uri: request.uri, Release: plan.release, Status: status });
            return plain(503, 'the release cannot be read from its store');
        }
        for (const name of Object.keys(response.headers)) {
            if (name.startsWith('x-amz-') || name === 'etag' || name === 'last-modified' || name === 'cache-control'
                || name === 'content-type' || name === 'content-encoding' || name === 'vary' || name === 'expires' || name === 'server') {
                delete response.headers[name];
            }
        }
        for (const [key, value] of plan.headers) response.headers[key.toLowerCase()] = [{ key, value }];
        if (plan.status === 404 && status === 200) {
            response.status = '404';
            response.statusDescription = 'Not Found';
        }
        return response;
    }

    /** One function for both triggers (a Lambda has one handler; CloudFront says which event it is). */
    function handler(event) {
        return event.Records[0].cf.config.eventType === 'origin-response' ? originResponse(event) : originRequest(event);
    }

    /**
     * Points the S3 request at the blob of the representation the request accepts, and writes down for origin
     * response the headers serve sends for it: those of the file (`file` of release `release`, served for the
     * request path `path` with `status`), the header rules of the release asked for (`rules`) that match `path`,
     * and, for a file with encodings, its coding and Vary.
     */
    function toBlob(request, { release, rules, path, file, entry, status }) {
        const representation = chooseRepresentation(entry, request.headers['accept-encoding'], file);
        const ruleHeaders = headersFor(rules.headers, path);
        const own = new Map(Object.entries(entry.headers ?? {}).map(([name, value]) => [name.toLowerCase(), [name, value]]));
        const headers = [['Content-Type', entry.contentType]];
        if (status === 404) {
            headers.push(['Cache-Control', ruleHeaders.get('cache-control')?.[1] ?? settings.cacheControl.html]);
        } else {
            headers.push(['ETag', `"${representation.hash}"`], ['Cache-Control', own.get('cache-control')?.[1] ?? ruleHeaders.get('cache-control')?.[1] ?? defaultCacheControl(file, entry)]);
        }
        if (representation.coding) headers.push(['Content-Encoding', representation.coding]);
        const vary = [];
        for (const [lower, [name, value]] of ruleHeaders) {
            if (lower === 'vary') vary.push(value);
            else if (lower !== 'cache-control' && !(status !== 404 && own.has(lower)) && settable(lower)) headers.push([name, value]);
        }
        if (status !== 404) {
            for (const [lower, [name, value]] of own) {
                if (lower === 'vary') vary.push(value);
                else if (lower !== 'cache-control' && settable(lower)) headers.push([name, value]);
            }
        }
        if (representation.varies) vary.push('Accept-Encoding');
        if (vary.length) headers.push(['Vary', vary.join(', ')]);
        headers.push([RELEASE_HEADER, release]);
        request.uri = `/blobs/${representation.hash}`;
        // S3 must see a plain GET of the blob: a query (`?acl`, `?versionId`) or a validator of ours would change its answer.
        request.querystring = '';
        for (const name of CONDITIONAL_HEADERS) delete request.headers[name];
        if (status === 404) delete request.headers.range;
        request.headers[RESPONSE_HEADER] = [{ key: RESPONSE_HEADER, value: encodeURIComponent(JSON.stringify({ status, release, headers })) }];
        return request;
    }

    function redirect(releaseId, status, location) {
        return {
            status: String(status),
            statusDescription: REDIRECT_STATUSES.get(status),
            headers: {
                location: [{ key: 'Location', value: location }],
                'cache-control': [{ key: 'Cache-Control', value: settings.cacheControl.html }],
                'x-jamdeploy-release': [{ key: RELEASE_HEADER, value: releaseId }],
            },
        };
    }

    /** serve's CacheRules for a file no header (its own or a rule's) gives a Cache-Control. */
    function defaultCacheControl(path, entry) {
        if (/^(text\/html|application\/xhtml\+xml)/i.test(entry.contentType)) return settings.cacheControl.html;
        return fingerprint.test(fileName(path)) ? settings.cacheControl.immutable : settings.cacheControl.default;
    }

    function loadRelease(origin, id) {
        return manifests.get(`${origin.bucket}/${origin.prefix}:${id}`, async () => {
            const text = await getText(origin, `releases/${id}.json`);
            if (text === null) return null;
            return { value: parseManifest(text, id), bytes: text.length };
        });
    }

    /**
     * The release that answers for a fingerprinted name this one lacks: serve's LiveReleaseCache.PreviousReleasesAsync,
     * counted from this release's last move in the pointer history. Serve reads its live release and the history in
     * one read; here the live release comes from the viewer's KeyValueStore read and the history from a read of
     * live.json trusted for pointerTtlMs, so the history can be older than the release asked for.
     */
    async function fallbackRelease(origin, releaseId, path) {
        if (settings.assetFallbackReleases <= 0) return null;
        let read = pointerHistory(origin);
        let history = await read.history;
        // A history that ends with this release is searched as it is: it is current unless this release went live
        // again since (a rollback or promote back to it within the TTL), when it lacks the releases live in between.
        if (history !== null && history.at(-1)?.release === releaseId) {
            const found = await findInPrevious(origin, history, releaseId, path);
            if (found) return found;
        }
        // A miss there, or a history read before this release last went live (it came from a newer pointer): read
        // live.json again, once for the misses waiting on the same stale read. A preview reads it every miss.
        read = pointerHistory(origin, read);
        history = await read.history;
        return history === null ? null : findInPrevious(origin, history, releaseId, path);
    }

    /** The newest of at most assetFallbackReleases releases live before this release's last move that has the path. */
    async function findInPrevious(origin, history, releaseId, path) {
        const seen = new Set([releaseId]);
        for (let i = lastMove(history, releaseId) - 1; i >= 0 && seen.size <= settings.assetFallbackReleases; i--) {
            const id = history[i].release;
            if (seen.has(id)) continue;
            seen.add(id);
            const previous = await loadRelease(origin, id);
            if (previous?.files.has(path)) return previous;
        }
        return null;
    }

    function lastMove(history, releaseId) {
        for (let i = history.length - 1; i >= 0; i--) if (history[i].release === releaseId) return i;
        return -1;
    }

    /**
     * A read of the store's pointer history (its `history` resolves to null without a live.json), shared by concurrent
     * callers and trusted for pointerTtlMs; a failed read is not kept. Given `stale`, a read the caller found out of
     * date, it returns a read started after that one: the callers that found the same read stale share one new read.
     */
    function pointerHistory(origin, stale = null) {
        const key = `${origin.bucket}/${origin.prefix}`;
        const cached = histories.get(key);
        if (cached && (stale ? cached.number > stale.number : Date.now() - cached.at < settings.pointerTtlMs)) return cached;
        const entry = { at: Date.now(), number: ++historyReads, history: null };
        entry.history = getText(origin, 'live.json').then((text) => (text === null ? null : parsePointer(text).history));
        entry.history.catch(() => {
            if (histories.get(key) === entry) histories.delete(key);
        });
        histories.set(key, entry);
        return entry;
    }

    async function getText(origin, name) {
        const key = origin.prefix ? `${origin.prefix}/${name}` : name;
        try {
            const result = await clientFor(origin.region).send(new GetObjectCommand({ Bucket: origin.bucket, Key: key }));
            return await result.Body.transformToString('utf-8');
        } catch (e) {
            if (e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404) return null;
            throw new StoreError(`s3://${origin.bucket}/${key}: ${e?.name ?? 'error'} (${e?.$metadata?.httpStatusCode ?? 'no status'})`);
        }
    }

    return { originRequest, originResponse, handler, manifestCache: manifests };
}

/** `/_r/<id><path>` → the release id and the raw (still encoded) site path; null for anything else. */
export function splitReleaseUri(uri) {
    if (typeof uri !== 'string' || !uri.startsWith(RELEASE_PREFIX)) return null;
    const slash = uri.indexOf('/', RELEASE_PREFIX.length);
    if (slash < 0) return null;
    const release = uri.substring(RELEASE_PREFIX.length, slash);
    return RELEASE_ID.test(release) ? { release, rawPath: uri.substring(slash) } : null;
}

/** serve's RequestTarget: the decoded, NFC path, or the status that refuses it (400 or 414). */
export function decodePath(raw, maxPathLength) {
    if (raw.length > maxPathLength * 9) return { status: 414 };
    if (raw[0] !== '/' || raw.includes('#')) return { status: 400 };
    for (let i = 0; i < raw.length; i++) {
        const c = raw.charCodeAt(i);
        if (c < 0x20 || c > 0x7e || c === 0x5c) return { status: 400 };
        if (c === 0x25) {
            const hex = raw.substring(i + 1, i + 3);
            if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { status: 400 };
            const b = parseInt(hex, 16);
            if (b < 0x20 || b === 0x7f || b === 0x2f || b === 0x5c) return { status: 400 };
            i += 2;
        }
    }
    let path;
    try {
        path = decodeURIComponent(raw);
    } catch {
        return { status: 400 };
    }
    if (path.length > maxPathLength) return { status: 414 };
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
        const s = segments[i];
        if ((s === '' && i < segments.length - 1) || s === '.' || s === '..') return { status: 400 };
    }
    return { path: path.normalize('NFC') };
}

/** serve's ReleaseResolver.Resolve over a Map of path → entry. */
export function resolve(files, path, policy) {
    const file = (p) => ({ kind: 'file', path: p, entry: files.get(p) });
    const choose = (canonical, p) => (policy === 'redirect' ? { kind: 'redirect', location: canonical } : file(p));
    const notFound = () => ({ kind: 'notFound', page: files.get('/404.html') ?? null });
    if (path.endsWith('/')) {
        if (files.has(`${path}index.html`)) return file(`${path}index.html`);
        if (path.length > 1) {
            const bare = path.slice(0, -1);
            if (files.has(bare)) return choose(bare, bare);
            if (files.has(`${bare}.html`)) return choose(bare, `${bare}.html`);
        }
        return notFound();
    }
    if (files.has(path)) return file(path);
    if (files.has(`${path}.html`)) return file(`${path}.html`);
    if (files.has(`${path}/index.html`)) return choose(`${path}/`, `${path}/index.html`);
    return notFound();
}

/** ASP.NET Core's PathString.ToUriComponent: RFC 3986 path characters stay, everything else is %-encoded UTF-8. */
export function encodePath(path) {
    return path.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu, (c) => encodeURIComponent(c));
}

/**
 * A rule's `to` split where its query and fragment begin, before anything is substituted (a `:splat` may hold a
 * `?` the request sent as `%3F`): the path, `?query` or '', `#fragment` or ''.
 */
function splitTarget(to) {
    const hash = to.indexOf('#');
    const beforeHash = hash < 0 ? to : to.slice(0, hash);
    const question = beforeHash.indexOf('?');
    return {
        path: question < 0 ? beforeHash : beforeHash.slice(0, question),
        query: question < 0 ? '' : beforeHash.slice(question),
        fragment: hash < 0 ? '' : to.slice(hash),
    };
}

const PLACEHOLDER = /^:[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_IN_TARGET = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * A rule's path pattern as a regular expression and the names of its captures: a segment `:name` is one non-empty
 * segment, a `*` any run of characters (`/` included) named `splat`, and a pattern ending `/*` also matches the
 * path without that last `/` (`/news/*` matches `/news`).
 */
export function compilePattern(pattern) {
    const folder = pattern.endsWith('/*');
    const names = [];
    let source = '';
    (folder ? pattern.slice(0, -2) : pattern).normalize('NFC').split('/').forEach((segment, i) => {
        if (i > 0) source += '/';
        if (PLACEHOLDER.test(segment)) {
            names.push(segment.slice(1));
            source += '([^/]+)';
            return;
        }
        const parts = segment.split('*');
        for (let star = 1; star < parts.length; star++) names.push('splat');
        source += parts.map((part) => part.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('(.*)');
    });
    if (folder) {
        names.push('splat');
        source += '(?:/(.*))?';
    }
    // `s`: a decoded path may hold U+2028 or U+2029, which `.` alone does not match.
    return { regex: new RegExp(`^${source}$`, 's'), names };
}

/** The values a pattern captures from a path (name → text; the first capture of a name wins), or null. */
export function matchPattern({ regex, names }, path) {
    const match = regex.exec(path);
    if (!match) return null;
    const values = new Map();
    names.forEach((name, i) => {
        if (!values.has(name)) values.set(name, match[i + 1] ?? '');
    });
    return values;
}

/** The first redirect rule (forced ones, or the others) matching the path; a trailing `/` does not matter to it. */
function matchRedirect(redirects, path, forced) {
    const bare = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : null;
    for (const rule of redirects) {
        if (rule.force !== forced) continue;
        const values = matchPattern(rule.pattern, path) ?? (bare && matchPattern(rule.pattern, bare));
        if (values) return { rule, values };
    }
    return null;
}

/** `:name` and `:splat` in a rule's `to` replaced by what its `from` captured; other names stay as written. */
function substitute(to, values, encode = (value) => value) {
    return values.size ? to.replace(NAME_IN_TARGET, (whole, name) => (values.has(name) ? encode(values.get(name)) : whole)) : to;
}

/** A query or fragment of a rule's `to`: what it writes keeps its escapes, captured values are encoded as one component. */
function substituteEncoded(text, values) {
    return substitute(text, values, encodeURIComponent).replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/?#%]/gu, (c) => encodeURIComponent(c));
}

/** The file a rewrite's target names (the file, its clean URL, its folder index), or null; never a redirect, never rules. */
function resolveTarget(files, to) {
    if (!to.startsWith('/')) return null; // an absolute URL: the edge proxies nothing
    const path = to.normalize('NFC');
    const candidates = path.endsWith('/') ? [`${path}index.html`] : [path, `${path}.html`, `${path}/index.html`];
    return candidates.find((candidate) => files.has(candidate)) ?? null;
}

/** The headers of every header rule matching the path, lower-case name → [name, value]; a name set twice joins its values. */
function headersFor(rules, path) {
    const headers = new Map();
    for (const rule of rules) {
        if (!rule.pattern.regex.test(path)) continue;
        for (const [name, value] of rule.headers) {
            const lower = name.toLowerCase();
            const seen = headers.get(lower);
            headers.set(lower, seen ? [seen[0], `${seen[1]}, ${value}`] : [name, value]);
        }
    }
    return headers;
}

function settable(lower) {
    return !RESERVED_HEADERS.has(lower) && !RESERVED_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/**
 * Content-coding → weight from an Accept-Encoding value (RFC 9110 12.5.3): a coding not listed takes the weight of
 * `*`, or none; identity is acceptable unless refused. No header: identity only (what CloudFront forwards for a
 * viewer that sent none).
 */
function acceptWeights(value) {
    const weights = new Map();
    for (const item of value ? value.split(',') : []) {
        const [coding, ...parameters] = item.split(';').map((part) => part.trim());
        if (!coding) continue;
        const q = parameters.find((p) => /^q\s*=/i.test(p));
        const weight = q === undefined ? 1 : Number(q.slice(q.indexOf('=') + 1).trim());
        weights.set(coding.toLowerCase(), Number.isNaN(weight) ? 1 : weight);
    }
    const star = weights.get('*');
    return (coding) => weights.get(coding) ?? star ?? (coding === 'identity' ? 1 : 0);
}

/**
 * The representation of a file to send: among the file as it is and its stored codings, the smallest one the
 * request accepts (the file as it is when it accepts none, as RFC 9110 12.5.3 advises). `varies` when the file
 * has encodings, so every answer for it says Vary: Accept-Encoding.
 */
function chooseRepresentation(entry, acceptEncoding, file) {
    const encodings = entry.encodings ?? {};
    let chosen = { coding: null, hash: entry.hash, size: entry.size };
    const varies = Object.keys(encodings).length > 0;
    if (varies) {
        const weight = acceptWeights(acceptEncoding?.map((h) => h.value).join(','));
        let best = weight('identity') > 0 ? chosen : null;
        for (const coding of CODINGS) {
            const blob = Object.hasOwn(encodings, coding) ? encodings[coding] : null;
            if (blob && weight(coding) > 0 && (best === null || blob.size < best.size)) best = { coding, hash: blob.hash, size: blob.size };
        }
        chosen = best ?? chosen;
    }
    if (typeof chosen.hash !== 'string' || !SHA256.test(chosen.hash)) {
        throw new StoreError(`the manifest entry for ${file} has no valid hash${chosen.coding ? ` for ${chosen.coding}` : ''}`);
    }
    return { ...chosen, varies };
}

export function parseManifest(text, id) {
    let doc;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new StoreError(`release manifest ${id} is corrupt (${e.message})`);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new StoreError(`release manifest ${id} is corrupt`);
    if (!MANIFEST_FORMATS.includes(doc.format)) throw new StoreError(`release manifest format ${doc.format} is not supported (expects ${MANIFEST_FORMATS.join(' or ')})`);
    if (doc.id !== id) throw new StoreError(`the manifest names release ${doc.id}, not ${id}`);
    if (doc.files === null || typeof doc.files !== 'object') throw new StoreError(`release manifest ${id} has no files`);
    // A Map: no path (`/__proto__`, `/constructor`) can reach an object's prototype.
    return { id, files: new Map(Object.entries(doc.files)), rules: compileRules(doc.rules, id) };
}

const NO_RULES = Object.freeze({ headers: Object.freeze([]), redirects: Object.freeze([]) });

/** The manifest's rules with their patterns compiled once per loaded manifest. */
function compileRules(rules, id) {
    if (rules === undefined || rules === null) return NO_RULES;
    const bad = (what) => new StoreError(`release manifest ${id} has a bad ${what}`);
    if (typeof rules !== 'object' || !Array.isArray(rules.headers ?? []) || !Array.isArray(rules.redirects ?? [])) throw bad('rules section');
    const headers = (rules.headers ?? []).map((rule) => {
        if (typeof rule?.path !== 'string' || rule.headers === null || typeof rule.headers !== 'object') throw bad('header rule');
        return { pattern: compilePattern(rule.path), headers: Object.entries(rule.headers).filter(([, value]) => typeof value === 'string') };
    });
    const redirects = (rules.redirects ?? []).map((rule) => {
        if (typeof rule?.from !== 'string' || typeof rule.to !== 'string') throw bad('redirect rule');
        if (!RULE_STATUSES.has(rule.status)) throw bad(`redirect rule status (${rule.status} for ${rule.from})`);
        return { pattern: compilePattern(rule.from), to: splitTarget(rule.to), status: rule.status, force: rule.force === true };
    });
    return { headers, redirects };
}

export function parsePointer(text) {
    let doc;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new StoreError(`the live pointer is corrupt (${e.message})`);
    }
    if (!POINTER_FORMATS.includes(doc?.format) || !Array.isArray(doc.history)) {
        throw new StoreError(`live pointer format ${doc?.format} is not supported (expects ${POINTER_FORMATS.join(' or ')})`);
    }
    return doc;
}

/**
 * Parsed manifests by release: they are immutable, so an entry never goes stale; bounded by count and by
 * the bytes of the documents, least recently used out. Concurrent loads of one release share one read.
 */
export class ManifestCache {
    #entries = new Map();
    #bytes = 0;

    constructor(maxEntries, maxBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.loads = 0;
    }

    get size() {
        return this.#entries.size;
    }

    get bytes() {
        return this.#bytes;
    }

    async get(key, load) {
        const cached = this.#entries.get(key);
        if (cached) {
            this.#entries.delete(key);
            this.#entries.set(key, cached);
            return cached.promise;
        }
        this.loads++;
        const slot = { bytes: 0, promise: null };
        slot.promise = load().then(
            (loaded) => {
                // A release not stored yet may be stored later (a preview), and a failed read may succeed later.
                if (loaded === null) {
                    this.#forget(key, slot);
                    return null;
                }
                if (this.#entries.get(key) === slot) {
                    slot.bytes = loaded.bytes;
                    this.#bytes += loaded.bytes;
                    this.#evict();
                }
                return loaded.value;
            },
            (e) => {
                this.#forget(key, slot);
                throw e;
            },
        );
        this.#entries.set(key, slot);
        this.#evict();
        return slot.promise;
    }

    #forget(key, slot) {
        if (this.#entries.get(key) !== slot) return;
        this.#entries.delete(key);
        this.#bytes -= slot.bytes;
    }

    #evict() {
        for (const [key, slot] of this.#entries) {
            if (this.#entries.size <= this.maxEntries && this.#bytes <= this.maxBytes) return;
            if (this.#entries.size === 1) return;
            this.#entries.delete(key);
            this.#bytes -= slot.bytes;
        }
    }
}

function storeOf(request) {
    const s3 = request.origin?.s3;
    if (!s3?.domainName) throw new Error('the origin request has no S3 origin: attach this function to the S3 origin of the distribution');
    const match = /^(.+)\.s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/.exec(s3.domainName);
    const bucket = match ? match[1] : s3.domainName.split('.')[0];
    const regionInName = match && match[2] && match[2] !== 'external-1' ? match[2] : undefined;
    const prefix = (s3.path ?? '').replace(/^\/+|\/+$/g, '');
    return { bucket, prefix, region: s3.region || regionInName || 'us-east-1' };
}

function isReserved(path) {
    const lower = path.toLowerCase();
    return lower === RESERVED_PREFIX || lower.startsWith(`${RESERVED_PREFIX}/`);
}

function fileName(path) {
    return path.substring(path.lastIndexOf('/') + 1);
}

function plain(status, message) {
    const descriptions = { 400: 'Bad Request', 404: 'Not Found', 414: 'URI Too Long', 503: 'Service Unavailable' };
    return {
        status: String(status),
        statusDescription: descriptions[status],
        headers: {
            'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
            'content-type': [{ key: 'Content-Type', value: 'text/plain; charset=utf-8' }],
        },
        body: `${message}\n`,
    };
}

function defaultLog(level, template, values) {
    // One JSON line per event in CloudWatch: the template and its values, never credentials.
    console[level === 'error' ? 'error' : 'log'](JSON.stringify({ level, template, ...values }));
}

const clients = new Map();
function productionClient(region) {
    let client = clients.get(region);
    if (!client) {
        client = new S3Client({ region, followRegionRedirects: true });
        clients.set(region, client);
    }
    return client;
}

const production = createOriginHandlers({ s3: productionClient });
export const originRequest = production.originRequest;
export const originResponse = production.originResponse;
export const handler = production.handler;
