// Writes a jamdeploy store in S3 the way the C# deploy does: blobs, then the manifest (written once), then the
// pointer. The documents are byte-for-byte what StoreDocuments.Serialize writes (a C# test checks that).
import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { serializeManifest, serializePointer } from './store-documents.js';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** files: { "/path": { text | bytes, contentType, headers? } } → manifest entries and blob bodies. */
export function entriesOf(files) {
    const entries = {};
    const blobs = new Map();
    for (const [path, file] of Object.entries(files)) {
        const bytes = file.bytes ?? Buffer.from(file.text, 'utf-8');
        const hash = sha256(bytes);
        blobs.set(hash, bytes);
        entries[path] = { hash, size: bytes.length, contentType: file.contentType, ...(file.headers ? { headers: file.headers } : {}) };
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

    /** Blobs and manifest of a release, not live yet. */
    async storeRelease(id, files, created = new Date()) {
        const { entries, blobs } = entriesOf(files);
        await Promise.all([...blobs].map(([hash, bytes]) => this.put(`blobs/${hash}`, bytes, 'application/octet-stream')));
        await this.put(`releases/${id}.json`, serializeManifest({ id, created, files: entries }), 'application/json');
        return entries;
    }

    /** Moves live.json to the release (this writer is the only one, so no compare-and-swap is needed). */
    async flip(id, action = 'deploy', at = new Date()) {
        this.history.push({ release: id, at, action });
        await this.put('live.json', serializePointer({ live: id, history: this.history }), 'application/json');
    }

    async deploy(id, files) {
        const entries = await this.storeRelease(id, files);
        await this.flip(id);
        return entries;
    }
}
