#!/usr/bin/env bash
# Precompression (issue #13): bytes saved (the whole site's transfer to a brotli and a gzip-only client vs the files
# as they are) and deploy time with brotli+gzip variants vs --no-precompress, on one moto_server through
# bench-peers' counting proxy: first / no-op / ~1% change. The site is the Python docs (python3.11-doc, 1,063 files)
# or the Rust docs (rust-doc without core::arch, 6,499 files), from Debian packages extracted into the work dir.
# Usage: scripts/bench-precompress.sh [work-dir (default /tmp/jamdeploy-bench-peers)] [--site python|rust]
#        [--files N] [--latency MS] [--runs N]
# Needs moto_server, apt-get and dpkg on PATH; JAMDEPLOY_BIN=<executable> skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${JAMDEPLOY_BIN:-}"
if [ -z "$BIN" ]; then
  echo "building jamdeploy (Release)..." >&2
  timeout 1200 dotnet build src/Jamdeploy.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
  BIN=src/Jamdeploy.Cli/bin/Release/net10.0/jamdeploy
fi
exec python3 scripts/bench-precompress.py --jamdeploy "$BIN" "$@"
