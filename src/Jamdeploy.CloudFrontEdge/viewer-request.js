// jamdeploy viewer-request CloudFront Function (runtime cloudfront-js-2.0).
//
// Puts the release into the URI, so the cache key names the release: `/a/b?q` becomes
// `/_r/<release-id>/a/b?q` (the query string is left as it is). Every cached object then belongs to
// exactly one release, and a flip (one KeyValueStore write) needs no invalidation.
//
// Which release: a preview host `<release-id>.<preview suffix>` names its own; any other host gets the
// live release, read from the KeyValueStore key below (its value is the bare release id). A missing or
// unreadable key, or a value that is not a release id, answers 503; a request path that `jamdeploy
// serve` refuses answers 400 (or 414), with the same checks (src/Jamdeploy.Edge/RequestTarget.cs).
// A client's own `/_r/...` is prefixed like any other path, so it can never pick a release.
//
// Placeholders, replaced by the CloudFormation template before the function is created:
//   __JAMDEPLOY_POINTER_KEY__     the KeyValueStore key holding the live release id (e.g. site:live)
//   __JAMDEPLOY_PREVIEW_SUFFIX__  preview host suffix (e.g. preview.example.com); empty turns previews off
// Runtime limits kept here: no timers, no require, no dynamic code; the KeyValueStore `get` rejects for
// a missing key; the whole function must stay under 10 KB.
import cf from 'cloudfront';

const POINTER_KEY = '__JAMDEPLOY_POINTER_KEY__';
const PREVIEW_SUFFIX = '__JAMDEPLOY_PREVIEW_SUFFIX__';
const RELEASE_PREFIX = '/_r/';
const MAX_PATH = 1024;
const RELEASE_ID = /^[a-z0-9_-][a-z0-9._-]{0,99}$/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;

const kvs = cf.kvs();

function plain(status, description, message) {
    return {
        statusCode: status,
        statusDescription: description,
        headers: {
            'cache-control': { value: 'no-store' },
            'content-type': { value: 'text/plain; charset=utf-8' },
        },
        body: { encoding: 'text', data: message + '\n' },
    };
}

// 0 when serve would accept the raw path, else the status it answers: no raw byte outside printable
// ASCII (a raw space is fine), no backslash, no encoded slash, backslash or control byte, valid UTF-8,
// no empty segment (but the last), no `.` or `..` segment, at most MAX_PATH decoded characters.
function refusal(uri) {
    if (uri.length > MAX_PATH * 9) return 414;
    if (uri.charAt(0) !== '/' || uri.indexOf('#') >= 0) return 400;
    for (let i = 0; i < uri.length; i++) {
        const c = uri.charCodeAt(i);
        if (c < 0x20 || c > 0x7e || c === 0x5c) return 400;
        if (c === 0x25) {
            const hex = uri.substring(i + 1, i + 3);
            if (!HEX2.test(hex)) return 400;
            const b = parseInt(hex, 16);
            if (b < 0x20 || b === 0x7f || b === 0x2f || b === 0x5c) return 400;
            i += 2;
        }
    }
    let path;
    try {
        path = decodeURIComponent(uri);
    } catch (e) {
        return 400;
    }
    if (path.length > MAX_PATH) return 414;
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
        const s = segments[i];
        if ((s === '' && i < segments.length - 1) || s === '.' || s === '..') return 400;
    }
    return 0;
}

// The release a preview host names, or '' (also for a host that only looks like one: serve then serves live).
function previewRelease(host) {
    if (PREVIEW_SUFFIX === '' || PREVIEW_SUFFIX.indexOf('__JAMDEPLOY') === 0) return '';
    const suffix = '.' + PREVIEW_SUFFIX.toLowerCase();
    const h = host.toLowerCase();
    if (h.length <= suffix.length || h.substring(h.length - suffix.length) !== suffix) return '';
    const id = h.substring(0, h.length - suffix.length);
    return RELEASE_ID.test(id) ? id : '';
}

async function handler(event) {
    const request = event.request;
    const refused = refusal(request.uri);
    if (refused === 414) return plain(414, 'URI Too Long', 'request path too long');
    if (refused) return plain(400, 'Bad Request', 'bad request path');

    const host = request.headers.host ? request.headers.host.value : '';
    let release = previewRelease(host);
    if (!release) {
        let live;
        try {
            live = await kvs.get(POINTER_KEY);
        } catch (e) {
            return plain(503, 'Service Unavailable', 'no release is live yet');
        }
        if (typeof live !== 'string' || !RELEASE_ID.test(live)) {
            return plain(503, 'Service Unavailable', 'the live pointer cannot be read');
        }
        release = live;
    }
    request.uri = RELEASE_PREFIX + release + request.uri;
    return request;
}
