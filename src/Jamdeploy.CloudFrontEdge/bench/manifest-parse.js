// What a manifest costs the Lambda@Edge origin to read (issue #16): for each manifest file given, its bytes (what S3
// sends; gzip for reference), and the time origin.js's parseManifest takes to parse it into the lookup map, median of
// RUNS, each on a string decoded afresh from the bytes (as a cold instance does after its S3 GET).
// Usage: node bench/manifest-parse.js <manifest.json> [more.json …]   (RUNS=N; run by scripts/bench-manifest.sh)
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { parseManifest } from '../origin.js';

const RUNS = Number(process.env.RUNS ?? 30);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`${'manifest'.padEnd(40)} ${'files'.padStart(6)} ${'bytes'.padStart(10)} ${'gzip'.padStart(9)} ${'decode ms'.padStart(9)} ${'parse ms'.padStart(9)}`);
for (const file of process.argv.slice(2)) {
    const bytes = readFileSync(file);
    const id = JSON.parse(bytes.toString('utf8')).id;
    const decode = [];
    const parse = [];
    let files = 0;
    for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        const text = Buffer.from(bytes).toString('utf8');
        const decoded = performance.now();
        files = parseManifest(text, id).files.size;
        decode.push(decoded - started);
        parse.push(performance.now() - decoded);
    }
    console.log(`${basename(file).padEnd(40)} ${String(files).padStart(6)} ${String(bytes.length).padStart(10)} ${String(gzipSync(bytes).length).padStart(9)}`
        + ` ${median(decode).toFixed(2).padStart(9)} ${median(parse).toFixed(2).padStart(9)}`);
}
