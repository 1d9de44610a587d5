// Writes a jamdeploy store in S3 the way the C# deploy does: blobs (a file's precompressed forms are blobs of
// their own), then the manifest (written once), then the pointer. The documents are byte-for-byte what
// StoreDocuments.Serialize writes (a C# test checks that).
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { serializeManifest, serializePointer } from './store-documents.js';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The content-codings the harness can store, as the deploy compresses them: brotli at its best quality, gzip at level 9. */
export const compressors = {
    br: (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
    gzip: (bytes) => gzipSync(bytes, { level: 9 }),
};

/**
 * files: { "/path": { text | bytes, contentType, headers?, encodings?: ["br", "gzip"] } } → manifest entries and
 * blob bodies; each coding listed is stored as a blob of its own, named by the SHA-256 of the compressed bytes.
 */
export function entriesOf(files) {
    const entries = {};
    const blobs = new Map();
    for (const [path, file] of Object.entries(files)) {
        const bytes = file.bytes ?? Buffer.from(file.text, 'utf-8');
        const hash = sha256(bytes);
        blobs.set(hash, bytes);
        entries[path] = { hash, size: bytes.length, contentType: file.contentType, ...(file.headers ? { headers: file.headers } : {}) };
        if (file.encodings?.length) {
            entries[path].encodings = {};
            for (const coding of file.encodings) {
                const encoded = compressors[coding](bytes);
                blobs.set(sha256(encoded), encoded);
                entries[path].encodings[coding] = { hash: sha256(encoded), size: encoded.length };
            }
        }
    }
    return { entries, blobs };
}

export class S3Site {
    constructor(s3, bucket, prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.history = [];
    }

    key(name) {
        return this.prefix ? `${this.prefix}/${name}` : name;
    }

    async put(name, body, contentType) {
        await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: body, ContentType: contentType }));
    }

    /** Blobs and manifest of a release (with its site rules, `{ headers, redirects }`, if any), not live yet. */
    async storeRelease(id, files, { rules, created = new Date() } = {}) {
        const { entries, blobs } = entriesOf(files);
        await Promise.all([...blobs].map(([hash, bytes]) => this.put(`blobs/${hash}`, bytes, 'application/octet-stream')));
        await this.put(`releases/${id}.json`, serializeManifest({ id, created, files: entries, rules }), 'application/json');
        return entries;
    }

    /** Moves live.json to the release (this writer is the only one, so no compare-and-swap is needed). */
    async flip(id, action = 'deploy', at = new Date()) {
        this.history.push({ release: id, at, action });
        await this.put('live.json', serializePointer({ live: id, history: this.history }), 'application/json');
    }

    async deploy(id, files, options) {
        const entries = await this.storeRelease(id, files, options);
        await this.flip(id);
        return entries;
    }
}
