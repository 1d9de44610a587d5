#!/usr/bin/env bash
# Lambda@Edge resolution of a 10,000-file manifest against moto S3: first request with a cold manifest cache vs
# warm. Rerunnable; FILES, COLD_RUNS and WARM_RUNS override the sizes.
set -euo pipefail
cd "$(dirname "$0")/../src/Jamdeploy.CloudFrontEdge"
npm ci --prefer-offline --no-audit --no-fund --loglevel=error
node --disable-warning=NodeVersionSupportWarning bench/edge-resolution.js
