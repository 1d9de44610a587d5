#!/usr/bin/env bash
# Peer comparison (issue #16): one real site (the Rust docs from the Debian package rust-doc, ~6,500 files,
# downloaded and extracted once into the work dir) deployed by jamdeploy, `hugo deploy` and `aws s3 sync` to
# one moto_server through a counting proxy with 0 and 50 ms added per request: first / no-op / ~1% change /
# rebuilt-same-content, tool order rotating; prints wall time, requests by kind and jamdeploy's ratio to the
# best peer per row, and writes the same as JSON (<work-dir>/bench-peers-<site>.json).
# Usage: scripts/bench-peers.sh [work-dir (default /tmp/jamdeploy-bench-peers)] [--site rust|python]
#        [--files N] [--latencies 0,50] [--timeout S] [--scenarios N (the first N: 1 = first deploys only)] [--jamdeploy-verbose]
# --site python: the Python 3.11 docs (python3.11-doc, 1,063 files); --files N: an evenly spread subset;
# --jamdeploy-verbose: jamdeploy logs when each stage began (logs/ in the run dir). Below each table: jamdeploy's
# requests grouped into sequential round trips (GET | GETx2 | HEADx11 ...).
# Needs moto_server, hugo, aws (v1 or v2), apt-get and dpkg on PATH; JAMDEPLOY_BIN=<executable> skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${JAMDEPLOY_BIN:-}"
if [ -z "$BIN" ]; then
  # The tool as users install it (Native AOT on linux-x64), not the build output, which compiles at start-up.
  echo "packing and installing jamdeploy..." >&2
  BIN="$(bash scripts/install-tool.sh "${TMPDIR:-/tmp}/jamdeploy-bench-tool")"
fi
exec python3 scripts/bench-peers.py --jamdeploy "$BIN" "$@"
