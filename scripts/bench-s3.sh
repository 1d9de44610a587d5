#!/usr/bin/env bash
# Deploy benchmark on the S3 store, against moto_server on loopback (started and stopped by the tool):
# first deploy, no-op and 1%-change redeploys of the synthetic site of scripts/bench.sh, with wall time,
# requests by kind, bytes on the wire and peak memory.
# Usage: scripts/bench-s3.sh [work-dir]   (needs moto_server on PATH and ~250 MB free)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project scripts/Jamdeploy.Bench.S3 -- "$@"
