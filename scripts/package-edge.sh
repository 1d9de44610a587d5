#!/usr/bin/env bash
# Packages the serverless edge (src/Jamdeploy.CloudFrontEdge) for deploy/cloudformation/jamdeploy-serverless.json:
#   - the Lambda@Edge zip: origin.js, the local modules it imports, package.json and the lockfile's production
#     dependencies (npm ci --omit=dev), byte-for-byte the same for the same sources (sorted entries, fixed times
#     and modes), named by its SHA-256;
#   - a check that the template's inline CloudFront Function is viewer-request.js (--sync-template rewrites it);
# then prints the aws commands that upload the zip and create or update the stack.
#
# usage: scripts/package-edge.sh [--source DIR] [--out DIR] [--template FILE]
#                                [--artifact-bucket NAME] [--stack-name NAME] [--site-name NAME] [--sync-template]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
source_dir="$root/src/Jamdeploy.CloudFrontEdge"
out_dir="$root/artifacts/edge"
template="$root/deploy/cloudformation/jamdeploy-serverless.json"
artifact_bucket="ARTIFACT_BUCKET"
stack_name="STACK_NAME"
site_name="SITE_NAME"
sync_template=false

fail() { echo "package-edge: $1" >&2; exit "${2:-2}"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --source) source_dir="${2:?--source needs a directory}"; shift 2 ;;
    --out) out_dir="${2:?--out needs a directory}"; shift 2 ;;
    --template) template="${2:?--template needs a file}"; shift 2 ;;
    --artifact-bucket) artifact_bucket="${2:?--artifact-bucket needs a bucket name}"; shift 2 ;;
    --stack-name) stack_name="${2:?--stack-name needs a name}"; shift 2 ;;
    --site-name) site_name="${2:?--site-name needs a name}"; shift 2 ;;
    --sync-template) sync_template=true; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done

command -v node >/dev/null || fail "node is not installed (Node.js 20 or later builds the package)"
[[ -d "$source_dir" ]] || fail "no edge sources at $source_dir (--source)"
for file in viewer-request.js origin.js package.json package-lock.json; do
  [[ -f "$source_dir/$file" ]] || fail "$source_dir/$file is missing"
done
[[ -f "$template" ]] || fail "no template at $template (--template)"

# The template carries the viewer function inline (CloudFront Functions have no S3 source), inside Fn::Sub so the
# stack fills in its own names: every literal "${" of the JavaScript becomes "${!", then the two placeholders become
# the stack's SiteName:live and PreviewDomain. The C# template test applies Fn::Sub back and compares with the file.
if [[ "$sync_template" == true ]]; then mode=write; else mode=check; fi
node - "$source_dir/viewer-request.js" "$template" "$mode" <<'NODE' || exit $?
const fs = require('fs');
const [viewerPath, templatePath, mode] = process.argv.slice(2);
const viewer = fs.readFileSync(viewerPath, 'utf8');
const pointer = '__JAMDEPLOY_POINTER_KEY__', suffix = '__JAMDEPLOY_PREVIEW_SUFFIX__';
for (const placeholder of [pointer, suffix]) {
  if (!viewer.includes(placeholder)) { console.error(`package-edge: ${viewerPath} has no ${placeholder} placeholder`); process.exit(1); }
}
// The longest values the stack's parameters allow (SiteName 63 characters, a domain name 253) must still fit.
const largest = viewer.split(pointer).join('x'.repeat(63) + ':live').split(suffix).join('x'.repeat(253));
if (Buffer.byteLength(largest) > 10240) { console.error(`package-edge: ${viewerPath} exceeds the 10 KB CloudFront Functions limit once filled in (${Buffer.byteLength(largest)} bytes)`); process.exit(1); }
const code = viewer.split('${').join('${!').split(pointer).join('${SiteName}:live').split(suffix).join('${PreviewDomain}');
const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
const fn = template.Resources && template.Resources.ViewerRequestFunction;
if (!fn) { console.error(`package-edge: ${templatePath} has no ViewerRequestFunction`); process.exit(1); }
if (mode === 'write') {
  fn.Properties.FunctionCode = { 'Fn::Sub': code };
  fs.writeFileSync(templatePath, JSON.stringify(template, null, 2) + '\n');
  console.log(`updated the CloudFront Function in ${templatePath} from ${viewerPath}`);
} else if ((fn.Properties.FunctionCode || {})['Fn::Sub'] !== code) {
  console.error(`package-edge: the CloudFront Function in ${templatePath} is not ${viewerPath}; run scripts/package-edge.sh --sync-template and commit the template`);
  process.exit(1);
}
NODE
[[ "$sync_template" == true ]] && exit 0

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

# origin.js and the local modules it imports (followed from import/export/require with relative paths), nothing
# else of the folder: tests, the viewer function and the lockfile stay out of the zip.
node - "$source_dir" "$stage" <<'NODE' || exit $?
const fs = require('fs'), path = require('path');
const [sourceDir, stage] = process.argv.slice(2);
const root = fs.realpathSync(sourceDir);
const seen = new Set();
const pending = [path.join(root, 'origin.js')];
const specifier = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\1/g;
const resolve = (from, spec) => {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, base + '.js', base + '.mjs', base + '.cjs', base + '.json', path.join(base, 'index.js')]) {
    if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) return candidate;
  }
  console.error(`package-edge: ${path.relative(root, from)} imports ${spec}, which is not there`);
  process.exit(1);
};
while (pending.length > 0) {
  const file = pending.pop();
  if (seen.has(file)) continue;
  const relative = path.relative(root, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) { console.error(`package-edge: ${file} is outside ${root}; the package holds only the edge folder`); process.exit(1); }
  seen.add(file);
  fs.mkdirSync(path.join(stage, path.dirname(relative)), { recursive: true });
  fs.copyFileSync(file, path.join(stage, relative));
  if (!/\.(c|m)?js$/.test(file)) continue;
  for (const match of fs.readFileSync(file, 'utf8').matchAll(specifier)) pending.push(resolve(file, match[2]));
}
for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(root, file), path.join(stage, file));
NODE
if node -e 'process.exit(Object.keys(require(process.argv[1]).dependencies || {}).length > 0 ? 0 : 1)' "$stage/package.json"; then
  # Exactly the lockfile's production dependencies. The Node.js Lambda runtimes also bundle an AWS SDK v3, but its
  # version is whatever Lambda ships that month; a dependency listed in package.json runs at the version the JS
  # tests ran against. (List @aws-sdk/client-s3 under devDependencies instead to use the runtime's and ship less.)
  (cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >/dev/null) \
    || fail "npm ci --omit=dev failed in the staged copy of $source_dir (see npm's message above)" 1
  rm -rf "$stage/node_modules/.bin" "$stage/node_modules/.package-lock.json"
fi
rm -f "$stage/package-lock.json"

mkdir -p "$out_dir"
# A zip that depends only on the files' paths and bytes: entries sorted by path, one fixed time (1980-01-01),
# mode 0644, no directory entries, no extra fields.
result="$(node - "$stage" "$out_dir" <<'NODE'
const fs = require('fs'), path = require('path'), zlib = require('zlib'), crypto = require('crypto');
const [stage, outDir] = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.isFile()) files.push(path.relative(stage, full).split(path.sep).join('/'));
    else { console.error(`package-edge: ${full} is neither a file nor a folder (a link?); the package holds files only`); process.exit(1); }
  }
};
walk(stage);
files.sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
const local = [], central = [];
let offset = 0;
const dosDate = (0 << 9) | (1 << 5) | 1; // 1980-01-01, time 00:00:00
for (const name of files) {
  const data = fs.readFileSync(path.join(stage, name));
  const packed = zlib.deflateRawSync(data, { level: 9 });
  const crc = zlib.crc32(data);
  const nameBytes = Buffer.from(name, 'utf8');
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0); header.writeUInt16LE(20, 4); header.writeUInt16LE(0x0800, 6); header.writeUInt16LE(8, 8);
  header.writeUInt16LE(0, 10); header.writeUInt16LE(dosDate, 12); header.writeUInt32LE(crc, 14);
  header.writeUInt32LE(packed.length, 18); header.writeUInt32LE(data.length, 22); header.writeUInt16LE(nameBytes.length, 26); header.writeUInt16LE(0, 28);
  const entry = Buffer.alloc(46);
  entry.writeUInt32LE(0x02014b50, 0); entry.writeUInt16LE((3 << 8) | 20, 4); entry.writeUInt16LE(20, 6); entry.writeUInt16LE(0x0800, 8);
  entry.writeUInt16LE(8, 10); entry.writeUInt16LE(0, 12); entry.writeUInt16LE(dosDate, 14); entry.writeUInt32LE(crc, 16);
  entry.writeUInt32LE(packed.length, 20); entry.writeUInt32LE(data.length, 24); entry.writeUInt16LE(nameBytes.length, 28);
  entry.writeUInt32LE(((0o100644 << 16) >>> 0), 38); entry.writeUInt32LE(offset, 42);
  local.push(header, nameBytes, packed);
  central.push(entry, nameBytes);
  offset += header.length + nameBytes.length + packed.length;
}
const directory = Buffer.concat(central);
const end = Buffer.alloc(22);
end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(files.length, 8); end.writeUInt16LE(files.length, 10);
end.writeUInt32LE(directory.length, 12); end.writeUInt32LE(offset, 16);
const zip = Buffer.concat([...local, directory, end]);
// Lambda@Edge takes at most 50 MB (zipped) for origin triggers.
if (zip.length > 50 * 1024 * 1024) { console.error(`package-edge: the package is ${zip.length} bytes, over Lambda@Edge's 50 MB for origin triggers`); process.exit(1); }
const hex = crypto.createHash('sha256').update(zip).digest('hex');
const base64 = crypto.createHash('sha256').update(zip).digest('base64');
const file = path.join(outDir, `jamdeploy-edge-${hex}.zip`);
fs.writeFileSync(file, zip);
console.log([file, hex, base64, files.length, zip.length].join(' '));
NODE
)" || exit $?
read -r zip_file sha_hex sha_base64 file_count zip_bytes <<<"$result"
code_key="jamdeploy-edge/$sha_hex.zip"

cat <<EOF
Built $zip_file ($file_count files, $zip_bytes bytes, sha256 $sha_hex)

# 1. Upload the package to a bucket of yours in us-east-1 (Lambda reads code from its own region):
aws s3 cp $zip_file s3://$artifact_bucket/$code_key --region us-east-1

# 2. Create or update the stack in us-east-1 (a new package publishes new Lambda@Edge versions; the template goes up
#    through the same bucket, as templates over 51,200 bytes must):
aws cloudformation deploy --region us-east-1 --stack-name $stack_name --template-file $template --s3-bucket $artifact_bucket --s3-prefix jamdeploy-edge/templates --capabilities CAPABILITY_IAM --parameter-overrides SiteName=$site_name EdgeCodeBucket=$artifact_bucket EdgeCodeKey=$code_key EdgeCodeSha256=$sha_base64

# 3. Write jamdeploy.json from the stack (Store, S3:Region, Site:Url, Cdn:Provider, Cdn:KeyValueStore:Arn and :Key):
aws cloudformation describe-stacks --region us-east-1 --stack-name $stack_name --query "Stacks[0].Outputs[?OutputKey=='JamdeployJson'].OutputValue" --output text > jamdeploy.json
EOF
