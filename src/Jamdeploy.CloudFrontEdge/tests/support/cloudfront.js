// The test harness plays CloudFront for one request: the viewer function, then origin request, then (unless
// that answered itself) a GET of `<origin path><uri>` from the S3 origin (moto), then origin response. What
// comes out is what CloudFront would send the viewer on a cache miss.
//
// The distribution is the template's (deploy/cloudformation/jamdeploy-serverless.json): its cache policy keys on
// the URI and the query string and forwards no viewer header, but with EnableAcceptEncodingBrotli and
// EnableAcceptEncodingGzip it normalises Accept-Encoding, keys on the normalised value and forwards it.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { viewerEvent } from './sandbox.js';

/** Lambda@Edge headers ({ name: [{ key, value }] }) from a flat { Name: value } map. */
export function edgeHeaders(flat) {
    const headers = {};
    for (const [key, value] of Object.entries(flat)) headers[key.toLowerCase()] = [{ key, value }];
    return headers;
}

/**
 * CloudFront's Accept-Encoding with caching of both brotli and gzip objects enabled (Developer Guide, "Controlling
 * the cache key", Cache compressed objects): a viewer listing `br` and `gzip` is keyed and forwarded as `br,gzip`,
 * one of them as that one (other codings are dropped); a viewer listing neither is keyed without it and forwarded
 * `identity`; a viewer sending no Accept-Encoding, neither. The guide speaks of the values listed and says nothing
 * of weights: a coding listed with q=0 counts as listed here (so behind CloudFront a refusal does not reach the edge).
 * Returns { key, forwarded } (undefined where nothing is keyed or forwarded).
 */
export function normaliseAcceptEncoding(value) {
    if (value === undefined) return { key: undefined, forwarded: undefined };
    const listed = new Set(value.split(',').map((item) => item.split(';')[0].trim().toLowerCase()));
    const codings = ['br', 'gzip'].filter((coding) => listed.has(coding)).join(',');
    return codings ? { key: codings, forwarded: codings } : { key: undefined, forwarded: 'identity' };
}

/**
 * One request through CloudFront on a cache miss.
 * @param viewer   the viewer function's handler (from loadViewerFunction)
 * @param origin   { originRequest, originResponse } handlers
 * @param s3, bucket, prefix  the S3 origin: a client signing as CloudFront's origin access control would
 * @param request  { host, method, headers: { Name: value } as the viewer sent them }
 * @returns {{ status, headers: Map<lowercase name, value>, body: Buffer, stage, uri }}
 *   stage says who answered: 'viewer', 'origin-request', 'origin-response' or 'cloudfront' (a 304 of its own);
 *   uri is the cache key.
 */
export async function playCloudFront(edge, target, request = {}) {
    const viewed = await runViewer(edge.viewer, target, request);
    if (viewed.response) return viewed.response;
    return answerConditional(await runOrigin(edge, viewed), viewed.viewerHeaders);
}

/** Case-insensitive look-up in a flat { Name: value } map. */
function headerOf(flat, name) {
    const lower = name.toLowerCase();
    for (const [key, value] of Object.entries(flat)) if (key.toLowerCase() === lower) return value;
    return undefined;
}

/**
 * The viewer-request stage: a response of the function's own, or the request to look up: its cache key (the
 * rewritten URI, the query string, the normalised Accept-Encoding) and the headers CloudFront forwards to the origin
 * (the normalised Accept-Encoding, and Range: CloudFront passes a range GET on to an origin that supports ranges).
 */
export async function runViewer(viewer, target, { host, method = 'GET', headers = {} } = {}) {
    const event = viewerEvent(target, { host, method, headers });
    const afterViewer = await viewer(event);
    if (afterViewer.statusCode !== undefined) return { response: fromFunctionResponse(afterViewer) };
    const encoding = normaliseAcceptEncoding(headerOf(headers, 'Accept-Encoding'));
    const forwarded = {};
    if (encoding.forwarded !== undefined) forwarded['Accept-Encoding'] = encoding.forwarded;
    const range = headerOf(headers, 'Range');
    if (range !== undefined) forwarded.Range = range;
    const cacheKey = afterViewer.uri + (event.rawQuery ? `?${event.rawQuery}` : '') + (encoding.key ? ` [Accept-Encoding: ${encoding.key}]` : '');
    return { uri: afterViewer.uri, query: event.rawQuery, method, headers: forwarded, viewerHeaders: headers, cacheKey };
}

/**
 * CloudFront answers a viewer's If-None-Match itself, from the object it has (cached, or just fetched): 304 when
 * one of the tags is the object's ETag (weak comparison, RFC 9110 13.1.2), with the object's headers but no body.
 */
export function answerConditional(response, viewerHeaders = {}) {
    const condition = headerOf(viewerHeaders, 'If-None-Match');
    const etag = response.headers.get('etag');
    if (condition === undefined || response.status !== 200 || !etag) return response;
    const opaque = (tag) => tag.trim().replace(/^W\//, '');
    const matches = condition.trim() === '*' || condition.split(',').some((tag) => opaque(tag) === opaque(etag));
    if (!matches) return response;
    const headers = new Map(response.headers);
    for (const name of ['content-length', 'content-range']) headers.delete(name);
    return { ...response, status: 304, headers, body: Buffer.alloc(0), stage: 'cloudfront' };
}

/** A cache miss: origin request, the GET from S3 unless origin request answered, origin response. */
export async function runOrigin({ origin, s3, bucket, prefix }, { uri, query, method, headers, cacheKey }) {
    const request = {
        clientIp: '198.51.100.7',
        method,
        uri,
        querystring: query,
        headers: { host: [{ key: 'Host', value: `${bucket}.s3.us-east-1.amazonaws.com` }], ...edgeHeaders(headers) },
        origin: {
            s3: {
                authMethod: 'origin-access-identity',
                customHeaders: {},
                domainName: `${bucket}.s3.us-east-1.amazonaws.com`,
                path: prefix ? `/${prefix}` : '',
                region: 'us-east-1',
            },
        },
    };
    const config = { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', requestId: 'test' };
    const afterRequest = await origin.originRequest({ Records: [{ cf: { config: { ...config, eventType: 'origin-request' }, request } }] });
    if (afterRequest.status !== undefined) return { ...fromEdgeResponse(afterRequest, Buffer.from(afterRequest.body ?? '', 'utf-8')), stage: 'origin-request', uri: cacheKey };

    // CloudFront's request to S3 through origin access control (signed): the origin path, then the URI the function left.
    const response = await getFromS3(s3, bucket, `${request.origin.s3.path}${afterRequest.uri}`, afterRequest.headers);
    const s3Body = response.body;
    delete response.body;
    const afterResponse = await origin.originResponse({
        Records: [{ cf: { config: { ...config, eventType: 'origin-response' }, request: afterRequest, response } }],
    });
    const body = afterResponse.body !== undefined ? Buffer.from(afterResponse.body, 'utf-8') : s3Body;
    return { ...fromEdgeResponse(afterResponse, body), stage: 'origin-response', uri: cacheKey };
}

function fromFunctionResponse(response) {
    const headers = new Map();
    for (const [name, header] of Object.entries(response.headers ?? {})) headers.set(name.toLowerCase(), header.value);
    const data = response.body?.data ?? response.body ?? '';
    const body = Buffer.from(data, response.body?.encoding === 'base64' ? 'base64' : 'utf-8');
    headers.set('content-length', String(body.length));
    return { status: response.statusCode, headers, body, stage: 'viewer', uri: null };
}

function fromEdgeResponse(response, body) {
    const headers = new Map();
    for (const [name, values] of Object.entries(response.headers ?? {})) headers.set(name.toLowerCase(), values.map((v) => v.value).join(', '));
    // CloudFront frames the body it sends: the length of a generated or replaced body is its own.
    if (response.body !== undefined || !headers.has('content-length')) headers.set('content-length', String(body.length));
    return { status: Number(response.status), headers, body };
}

/** CloudFront's GET to the S3 origin, as a Lambda@Edge origin-response `response` plus the body. */
async function getFromS3(s3, bucket, path, headers) {
    const header = (name) => headers[name]?.[0]?.value;
    try {
        const result = await s3.send(new GetObjectCommand({
            Bucket: bucket,
            Key: path.replace(/^\//, ''),
            Range: header('range'),
            IfNoneMatch: header('if-none-match'),
            IfModifiedSince: header('if-modified-since') ? new Date(header('if-modified-since')) : undefined,
        }));
        const body = Buffer.from(await result.Body.transformToByteArray());
        const flat = {
            'Content-Type': result.ContentType,
            'Content-Length': String(result.ContentLength),
            ETag: result.ETag,
            'Last-Modified': result.LastModified?.toUTCString(),
            'Accept-Ranges': result.AcceptRanges,
            'Content-Range': result.ContentRange,
            Server: 'AmazonS3',
            'x-amz-request-id': result.$metadata.requestId,
        };
        const status = result.$metadata.httpStatusCode;
        return { status: String(status), statusDescription: status === 206 ? 'Partial Content' : 'OK', headers: edgeHeaders(definedOnly(flat)), body };
    } catch (e) {
        const status = e.$metadata?.httpStatusCode;
        if (!status) throw e;
        return { status: String(status), statusDescription: e.name, headers: edgeHeaders({ 'Content-Type': 'application/xml', Server: 'AmazonS3' }), body: Buffer.from(`<Error><Code>${e.name}</Code></Error>`) };
    }
}

function definedOnly(flat) {
    return Object.fromEntries(Object.entries(flat).filter(([, v]) => v !== undefined && v !== null));
}
