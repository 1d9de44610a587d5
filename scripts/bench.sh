#!/usr/bin/env bash
# Deploy benchmark on the local store (issue figures: hashing MB/s, first / no-op / 1% redeploys).
# Usage: scripts/bench.sh [work-dir]   (needs ~250 MB free; the work dir is deleted afterwards)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project scripts/Jamdeploy.Bench -- "$@"
