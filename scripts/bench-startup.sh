#!/usr/bin/env bash
# Fresh-process figures (issue #16): no-op redeploy start-up of small sites (local store, moto) and hashing GB/s on
# the Python and Rust docs (from Debian packages, cached in the work dir as bench-peers.sh does), for the tool as
# users install it (scripts/install-tool.sh). See scripts/bench-startup.py for the columns.
# Usage: scripts/bench-startup.sh [work-dir (default /tmp/jamdeploy-bench-peers)] [--runs N] [--hash-runs N]
#        [--skip startup,moto,hashing,rust] [--jamdeploy OTHER]   (compares OTHER against this tree's tool)
# JAMDEPLOY_BIN=<executable> skips the pack and install. Needs moto_server (else the moto rows are skipped),
# apt-get and dpkg (the first time, to fetch the docs).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${JAMDEPLOY_BIN:-}"
if [ -z "$BIN" ]; then
  echo "packing and installing jamdeploy..." >&2
  BIN="$(bash scripts/install-tool.sh "${TMPDIR:-/tmp}/jamdeploy-bench-tool")"
fi
exec python3 scripts/bench-startup.py --jamdeploy "$BIN" "$@"
