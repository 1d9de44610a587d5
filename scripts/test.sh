#!/usr/bin/env bash
# The whole test suite: builds once, then runs every test project (moto_server is started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Jamstack.sln -c Release -nologo -clp:ErrorsOnly
log=$(mktemp)
status=0
dotnet test Jamstack.sln -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log" || status=$?
# One closing line over all test projects, in the form CI reads.
awk '/(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
