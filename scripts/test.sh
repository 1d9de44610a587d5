#!/usr/bin/env bash
# The whole test suite: builds once, then runs every test project and the CloudFront edge's node tests
# (moto_server is started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Jamstack.sln -c Release -nologo -clp:ErrorsOnly
log=$(mktemp)
status=0
dotnet test Jamstack.sln -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log" || status=$?

# The CloudFront edge's JavaScript (viewer function in its sandbox, Lambda@Edge handlers and the emulated
# CloudFront against moto): dependencies from the lockfile (from npm's cache when it has them), then node --test.
node_tap=$(mktemp)
node_status=0
(
  cd src/Jamdeploy.CloudFrontEdge
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error &&
    node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$node_tap"
) || node_status=$?
[ "$status" -ne 0 ] || status=$node_status

# One closing line over all test projects and the node tests, in the form CI reads.
{ cat "$log"; cat "$node_tap"; } | awk '
  /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
    gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
  }
  /^# pass [0-9]+$/ { p += $3 }
  /^# (fail|cancelled) [0-9]+$/ { f += $3 }
  /^# (skipped|todo) [0-9]+$/ { s += $3 }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
rm -f "$log" "$node_tap"
exit "$status"
