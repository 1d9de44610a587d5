#!/usr/bin/env bash
# Manifest size and read cost (issue #16), for jamdeploy (C#, ReleaseStore) and the CloudFront edge (origin.js):
# deploys the Rust docs (6,499 files; fetched by bench-peers.sh into the work dir) to a local store with each given
# jamdeploy (default: this tree's tool, scripts/install-tool.sh), then prints each manifest's bytes and parse times.
# Usage: scripts/bench-manifest.sh [work-dir (default /tmp/jamdeploy-bench-peers)] [jamdeploy executable ...]
# Compare before/after by passing an older build first: it writes the store with its own manifest format.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="${1:-/tmp/jamdeploy-bench-peers}"
shift || true
SITE="$WORK/run-rust/site"
[ -d "$SITE" ] || { echo "no $SITE: run scripts/bench-peers.sh $WORK --site rust once first" >&2; exit 2; }
BINS=("$@")
if [ ${#BINS[@]} -eq 0 ]; then BINS=("$(bash scripts/install-tool.sh "${TMPDIR:-/tmp}/jamdeploy-bench-tool")"); fi
STORES=()
MANIFESTS=()
for i in "${!BINS[@]}"; do
  store="$WORK/manifest-store-$i"
  rm -rf "$store"
  "${BINS[$i]}" deploy "$SITE" --store "$store" -m bench >/dev/null
  STORES+=("$store")
  MANIFESTS+=("$(ls "$store"/releases/*.json)")
  echo "[$i] ${BINS[$i]} -> $store" >&2
done
echo "load: $(uptime)"
echo "== jamdeploy (C#): ReleaseStore.ReadManifestAsync"
(cd scripts && dotnet run -c Release bench-manifest.cs -- "${STORES[@]}")
echo "== CloudFront edge (origin.js parseManifest)"
(cd src/Jamdeploy.CloudFrontEdge && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null &&
  node --disable-warning=NodeVersionSupportWarning bench/manifest-parse.js "${MANIFESTS[@]}")
