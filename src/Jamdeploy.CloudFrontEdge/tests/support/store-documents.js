// The store documents as the C# StoreDocuments serializer writes them (System.Text.Json, web defaults,
// manifests compact and the pointer indented by two spaces, nulls left out, properties in declaration order,
// paths in ordinal order).
// No dependencies, so the C# test can run it with plain node.

/** DateTimeOffset as System.Text.Json writes a UTC value: 2026-11-24T10:15:00+00:00 (fraction only when non-zero). */
export function formatInstant(date) {
    const iso = date.toISOString(); // 2026-11-24T10:15:00.123Z
    const [whole, fraction] = iso.slice(0, -1).split('.');
    const trimmed = (fraction ?? '').replace(/0+$/, '');
    return `${whole}${trimmed ? `.${trimmed}` : ''}+00:00`;
}

const ordinal = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** UTF-16 code-unit order, which is .NET's ordinal order too. */
function sortedObject(object) {
    const sorted = {};
    for (const key of Object.keys(object).sort(ordinal)) sorted[key] = object[key];
    return sorted;
}

/**
 * A manifest: `files` maps a path to { hash, size, contentType, headers?, encodings?: { br: { hash, size }, … } };
 * `rules` is { headers: [{ path, headers }], redirects: [{ from, to, status, force }] } or absent. Format 2 when it
 * has rules or encodings (Manifest.CurrentFormat), else 1 (Manifest.PlainFormat).
 */
export function serializeManifest({ id, created, files, message, commit, source, rules }) {
    const entries = {};
    let encoded = false;
    for (const [path, entry] of Object.entries(sortedObject(files))) {
        entries[path] = { hash: entry.hash, size: entry.size, contentType: entry.contentType };
        if (entry.headers) entries[path].headers = sortedObject(entry.headers);
        if (entry.encodings) {
            encoded = true;
            const encodings = {};
            for (const [coding, blob] of Object.entries(sortedObject(entry.encodings))) encodings[coding] = { hash: blob.hash, size: blob.size };
            entries[path].encodings = encodings;
        }
    }
    const doc = { id, created: new Raw(formatInstant(created)), files: entries, format: rules || encoded ? 2 : 1 };
    if (message != null) doc.message = message;
    if (commit != null) doc.commit = commit;
    if (source != null) doc.source = source;
    if (rules) {
        doc.rules = {
            headers: (rules.headers ?? []).map((r) => ({ path: r.path, headers: sortedObject(r.headers) })),
            redirects: (rules.redirects ?? []).map((r) => ({ from: r.from, to: r.to, status: r.status, force: Boolean(r.force) })),
        };
    }
    return toJson(doc, null);
}

export function serializePointer({ live, history }) {
    return toJson({
        live,
        history: history.map((h) => ({ release: h.release, at: new Raw(formatInstant(h.at)), action: h.action })),
        format: 1,
    });
}

/** A value System.Text.Json formats itself, without the string encoder (a DateTimeOffset). */
class Raw {
    constructor(text) {
        this.text = text;
    }
}

/**
 * JSON as System.Text.Json writes it: `indent` null is compact (`{"name":value}`, manifests); a string is the
 * indentation so far of indented JSON (two spaces more per level, `"name": value`). `{}` and `[]` when empty.
 */
function toJson(value, indent = '') {
    if (value instanceof Raw) return `"${value.text}"`;
    if (typeof value === 'string') return quote(value);
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const keys = Array.isArray(value) ? null : Object.keys(value);
    if ((keys ?? value).length === 0) return keys ? '{}' : '[]';
    if (indent === null) {
        if (!keys) return `[${value.map((v) => toJson(v, null)).join(',')}]`;
        return `{${keys.map((k) => `${quote(k)}:${toJson(value[k], null)}`).join(',')}}`;
    }
    const inner = `${indent}  `;
    if (!keys) return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`;
    return `{\n${keys.map((k) => `${inner}${quote(k)}: ${toJson(value[k], inner)}`).join(',\n')}\n${indent}}`;
}

// The default JavaScriptEncoder: printable ASCII stays, except the HTML-sensitive characters; the rest is
// \uXXXX (upper-case hex, UTF-16 units), with the short forms for \\ \n \r \t \b \f.
const SHORT = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };
function quote(text) {
    let out = '"';
    for (const c of text) {
        for (let i = 0; i < c.length; i++) {
            const unit = c[i];
            const code = unit.charCodeAt(0);
            if (SHORT[unit]) out += SHORT[unit];
            else if (code < 0x20 || code > 0x7e || '"&\'+<>`'.includes(unit)) out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
            else out += unit;
        }
    }
    return `${out}"`;
}
