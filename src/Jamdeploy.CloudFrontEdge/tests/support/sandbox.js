// Runs viewer-request.js the way the cloudfront-js-2.0 runtime does, as far as node can: in a fresh vm
// context that holds only the language's built-ins (no require, process, timers, fetch, Buffer), with code
// generation from strings off (no eval / new Function), and the `cloudfront` module given to the one
// `import cf from 'cloudfront'` the runtime allows. Its KeyValueStore `get` rejects a missing key, as the
// real one does.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

export const FUNCTION_PATH = new URL('../../viewer-request.js', import.meta.url);
const IMPORT_LINE = /^import cf from 'cloudfront';$/m;

/** The function source with the CloudFormation placeholders replaced, as the template does. */
export function functionSource({ pointerKey = 'site:live', previewSuffix = '' } = {}) {
    return readFileSync(FUNCTION_PATH, 'utf-8')
        .replaceAll('__JAMDEPLOY_POINTER_KEY__', pointerKey)
        .replaceAll('__JAMDEPLOY_PREVIEW_SUFFIX__', previewSuffix);
}

/** A KeyValueStore handle over a lookup (a Map, or an async function returning undefined for a missing key). */
export function fakeKvs(lookup) {
    const read = typeof lookup === 'function' ? lookup : async (key) => lookup.get(key);
    return {
        reads: 0,
        async get(key) {
            this.reads++;
            const value = await read(key);
            if (value === undefined) throw new Error(`Key ${key} not found`);
            return value;
        },
    };
}

/** Globals of a fresh context that the CloudFront Functions runtime does not have. */
const NOT_IN_RUNTIME = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef', 'FinalizationRegistry', 'Intl', 'eval'];

export function createSandbox() {
    const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false }, name: 'cloudfront-js-2.0' });
    vm.runInContext(`for (const name of ${JSON.stringify(NOT_IN_RUNTIME)}) delete globalThis[name];`, context);
    // console.log is the runtime's one way out (to CloudWatch); the function may call it, the tests read nothing of it.
    context.console = Object.freeze({ log: () => {} });
    return { context };
}

/** Loads the function into a sandbox; returns its handler (a function of the event, returning a promise). */
export function loadViewerFunction({ kvs, ...placeholders }) {
    const source = functionSource(placeholders);
    const imports = source.match(/^\s*import\b.*$/gm) ?? [];
    if (imports.length !== 1 || !IMPORT_LINE.test(source)) {
        throw new Error(`the function may import only the cloudfront module, once; found: ${imports.join(' | ')}`);
    }
    if (/^\s*export\b/m.test(source)) throw new Error('a CloudFront Function exports nothing; the runtime calls `handler`');
    const { context } = createSandbox();
    const body = source.replace(IMPORT_LINE, '');
    const factory = vm.runInContext(`(function (cf) {\n${body}\nreturn handler;\n})`, context, { filename: 'viewer-request.js' });
    const cloudfront = Object.freeze({ kvs: () => kvs });
    const handler = factory(cloudfront);
    return (event) => handler(event);
}

/** A viewer-request event (the cloudfront-js-2.0 shape) for a raw request target. */
export function viewerEvent(target, { host = 'www.example.com', method = 'GET', headers = {} } = {}) {
    const at = target.indexOf('?');
    const uri = at < 0 ? target : target.slice(0, at);
    const query = at < 0 ? '' : target.slice(at + 1);
    const querystring = {};
    for (const pair of query ? query.split('&') : []) {
        const [name, value = ''] = pair.split('=');
        querystring[name] = { value };
    }
    const lower = { host: { value: host } };
    for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = { value };
    return {
        version: '1.0',
        context: { eventType: 'viewer-request', distributionId: 'EDFDVBD6EXAMPLE' },
        viewer: { ip: '198.51.100.7' },
        request: { method, uri, querystring, headers: lower, cookies: {} },
        rawQuery: query,
    };
}
