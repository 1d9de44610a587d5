// Writes one manifest and one pointer with the JavaScript serializer into a folder, for the C# test that
// checks they read back (and re-serialize) byte for byte: node write-documents.js <folder>
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeManifest, serializePointer } from './store-documents.js';

const folder = process.argv[2];
const files = {
    '/z.html': { hash: 'a'.repeat(64), size: 3, contentType: 'text/html; charset=utf-8' },
    '/_next/app.js': { hash: 'b'.repeat(64), size: 10, contentType: 'text/javascript; charset=utf-8' },
    '/404.html': { hash: 'c'.repeat(64), size: 0, contentType: 'text/html; charset=utf-8' },
    "/café & <it's> \"quoted\" +`x`\\.txt": { hash: 'd'.repeat(64), size: 5, contentType: 'text/plain; charset=utf-8' },
    '/emoji-\u{1F600}.txt': {
        hash: 'e'.repeat(64),
        size: 7,
        contentType: 'text/plain; charset=utf-8',
        headers: { 'X-Frame-Options': 'DENY', 'Cache-Control': 'public, max-age=60' },
        encodings: { gzip: { hash: 'f'.repeat(64), size: 6 }, br: { hash: '1'.repeat(64), size: 5 } },
    },
};
writeFileSync(join(folder, 'manifest.json'), serializeManifest({
    id: '20261124-101500-3f9a1c',
    created: new Date(Date.UTC(2026, 10, 24, 10, 15, 0, 120)),
    files,
    message: 'ship <it>',
    commit: 'abc123',
    rules: {
        headers: [{ path: '/*', headers: { 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'self'" } }],
        redirects: [
            { from: '/old/:slug/*', to: '/new/:slug/:splat', status: 308, force: false },
            { from: '/app/*', to: '/app/index.html', status: 200, force: true },
        ],
    },
}));
writeFileSync(join(folder, 'live.json'), serializePointer({
    live: '20261124-101500-3f9a1c',
    history: [
        { release: '20261124-080000-aaaaaa', at: new Date(Date.UTC(2026, 10, 24, 8, 0, 0)), action: 'deploy' },
        { release: '20261124-101500-3f9a1c', at: new Date(Date.UTC(2026, 10, 24, 10, 15, 0)), action: 'rollback' },
    ],
}));
