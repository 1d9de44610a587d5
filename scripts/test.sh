#!/usr/bin/env bash
# The whole test suite: builds once, starts one moto_server for every test project, then runs them all
# and the CloudFront edge's node tests.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Jamstack.sln -c Release -nologo -clp:ErrorsOnly

# One S3 + CloudFront emulator for the run (a test process started alone starts its own instead):
# tests find it through JAMDEPLOY_TEST_MOTO_URL and give each case its own bucket.
if [ -z "${JAMDEPLOY_TEST_MOTO_URL:-}" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  moto_pid=$!
  # moto can ignore SIGTERM while a request thread is busy: SIGKILL, it holds nothing worth keeping.
  trap 'kill -9 "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
  export JAMDEPLOY_TEST_MOTO_URL="http://127.0.0.1:$port"
  answered=
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$JAMDEPLOY_TEST_MOTO_URL/moto-api/" 2>/dev/null; then answered=1; break; fi
    kill -0 "$moto_pid" 2>/dev/null || { echo "moto_server did not start" >&2; exit 1; }
    sleep 0.2
  done
  [ -n "$answered" ] || { echo "moto_server did not answer at $JAMDEPLOY_TEST_MOTO_URL within 120 s" >&2; exit 1; }
fi

# The CloudFront edge's dependencies from the lockfile (from npm's cache when it has them), before the .NET
# tests: the emulated CloudFront some of them start runs on them, and would otherwise install them itself.
npm_status=0
(cd src/Jamdeploy.CloudFrontEdge && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) || npm_status=$?

log=$(mktemp)
status=0
dotnet test Jamstack.sln -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log" || status=$?

# The CloudFront edge's JavaScript (viewer function in its sandbox, Lambda@Edge handlers and the emulated
# CloudFront against moto), on the dependencies installed above.
node_tap=$(mktemp)
node_status=$npm_status
if [ "$npm_status" -eq 0 ]; then
  (
    cd src/Jamdeploy.CloudFrontEdge
    node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$node_tap"
  ) || node_status=$?
else
  echo "npm ci failed ($npm_status): the node tests did not run" >&2
fi
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
