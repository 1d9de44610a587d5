// An in-memory KeyValueStore read endpoint with the shape of the C# fake's test door:
// GET <url>/_test/keys/<key> → 200 with the value as a text/plain body, or 404.
import http from 'node:http';

export async function startKvsServer(initial = {}) {
    const keys = new Map(Object.entries(initial));
    const prefix = '/_test/keys/';
    const server = http.createServer((req, res) => {
        const path = req.url.split('?')[0];
        if (req.method !== 'GET' || !path.startsWith(prefix)) {
            res.writeHead(404).end();
            return;
        }
        const key = decodeURIComponent(path.slice(prefix.length));
        if (!keys.has(key)) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(keys.get(key));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
        url: `http://127.0.0.1:${server.address().port}`,
        set: (key, value) => keys.set(key, value),
        close: () => new Promise((resolve) => server.close(resolve)),
    };
}
