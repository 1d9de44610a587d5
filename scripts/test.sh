#!/usr/bin/env bash
# The whole test suite: builds once, starts one moto_server for every test project, then runs them all.
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
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "$JAMDEPLOY_TEST_MOTO_URL/moto-api/" 2>/dev/null && break
    kill -0 "$moto_pid" 2>/dev/null || { echo "moto_server did not start" >&2; exit 1; }
    sleep 0.2
  done
fi

log=$(mktemp)
status=0
dotnet test Jamstack.sln -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log" || status=$?
# One closing line over all test projects, in the form CI reads.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
