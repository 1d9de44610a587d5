// The test harness plays CloudFront for one request: the viewer function, then origin request, then (unless
// that answered itself) a GET of `<origin path><uri>` from the S3 origin (moto), then origin response. What
// comes out is what CloudFront would send the viewer on a cache miss.
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { viewerEvent } from './sandbox.js';

/** Lambda@Edge headers ({ name: [{ key, value }] }) from a flat { Name: value } map. */
export function edgeHeaders(flat) {
    const headers = {};
    for (const [key, value] of Object.entries(flat)) headers[key.toLowerCase()] = [{ key, value }];
    return headers;
}

/**
 * One request through CloudFront on a cache miss.
 * @param viewer   the viewer function's handler (from loadViewerFunction)
 * @param origin   { originRequest, originResponse } handlers
 * @param s3, bucket, prefix  the S3 origin: a client signing as CloudFront's origin access control would
 * @returns {{ status, headers: Map<lowercase name, value>, body: Buffer, stage, uri }}
 *   stage says who answered: 'viewer', 'origin-request' or 'origin-response'; uri is the cache key.
 */
export async function playCloudFront(edge, target, request = {}) {
    const viewed = await runViewer(edge.viewer, target, request);
    return viewed.response ?? runOrigin(edge, viewed);
}

/** The viewer-request stage: a response of the function's own, or the request to look up (its cache key). */
export async function runViewer(viewer, target, { host, method = 'GET', headers = {} } = {}) {
    const event = viewerEvent(target, { host, method, headers });
    const afterViewer = await viewer(event);
    if (afterViewer.statusCode !== undefined) return { response: fromFunctionResponse(afterViewer) };
    // The cache key: the rewritten URI and (the distribution's cache policy forwards them all) the query string.
    return { uri: afterViewer.uri, query: event.rawQuery, method, headers, cacheKey: afterViewer.uri + (event.rawQuery ? `?${event.rawQuery}` : '') };
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
