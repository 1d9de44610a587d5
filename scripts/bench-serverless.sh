#!/usr/bin/env bash
# Serverless CloudFront (KeyValueStore pointer, no invalidation) vs serve-origin + CloudFront invalidation: wall
# time (best and median of N runs) and requests by kind for a 1% change of the 10,000-file synthetic site of
# scripts/bench.sh, deployed through the CLI's entry point against moto (S3 + CloudFront) and the tests' fake
# KeyValueStore, all on loopback (started and stopped by the tool).
# Usage: scripts/bench-serverless.sh [--runs N] [work-dir]   (N defaults to 5; needs moto_server on PATH and ~250 MB free)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project scripts/Jamdeploy.Bench.Serverless -- "$@"
