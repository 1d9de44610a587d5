#!/usr/bin/env bash
# The whole test suite: builds once, starts one moto_server for every test project, then runs them all
# and the CloudFront edge's node tests.
set -euo pipefail
cd "$(dirname "$0")/.."

# The build, the test processes and the jamdeploy processes they start are short-lived and run most code a few times:
# tiered PGO's instrumented tier costs them more than it wins (CPU of the Edge tests 32.5 s with it, 26.8 s without,
# five interleaved pairs; of a clean build of the solution 106 s and 95 s, two pairs). The setting is the test run's,
# not the product's (the installed tool's no-op: 0.312 and 0.303 s of CPU, within noise).
export DOTNET_TieredPGO=0

moto_pid=
tool_dir=
tool_pid=
cleanup() {
  # A run stopped early leaves no pack compiling behind it.
  [ -z "$tool_pid" ] || kill -- "$tool_pid" 2>/dev/null || true
  [ -z "$tool_dir" ] || rm -rf "$tool_dir"
  # moto can ignore SIGTERM while a request thread is busy: SIGKILL, it holds nothing worth keeping.
  if [ -n "$moto_pid" ]; then kill -9 "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# Where the run's time goes, on stderr: each phase's end, counted from the start of this script.
stamp() { printf '[test.sh %4d s] %s\n' "$SECONDS" "$*" >&2; }

# One S3 + CloudFront emulator for the run (a test process started alone starts its own instead), started before
# the build so it is up when the tests begin: tests find it through JAMDEPLOY_TEST_MOTO_URL and give each case its
# own bucket.
if [ -z "${JAMDEPLOY_TEST_MOTO_URL:-}" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  python3 scripts/moto-server.py -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
  moto_pid=$!
  export JAMDEPLOY_TEST_MOTO_URL="http://127.0.0.1:$port"
fi

# The CloudFront edge's dependencies from the lockfile (from npm's cache when it has them), while the build runs:
# the emulated CloudFront some .NET tests start runs on them, and would otherwise install them itself.
npm_log=$(mktemp)
(cd src/Jamdeploy.CloudFrontEdge && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >"$npm_log" 2>&1 &
npm_pid=$!

dotnet build Jamstack.sln -c Release -nologo -clp:ErrorsOnly
stamp "built"

# The tool as users install it (scripts/install-tool.sh: the packages `dotnet pack` makes; on linux-x64 one Native AOT
# executable), packed while the test projects that start no jamdeploy process run: the CLI tests' processes then run
# what users run, and start without a JIT (~0.55 s of CPU less each), and the distribution tests install from these
# packages instead of packing again.
tool_dir=$(mktemp -d)
bash scripts/install-tool.sh "$tool_dir/install" >"$tool_dir/path" 2>"$tool_dir/log" &
tool_pid=$!

if [ -n "$moto_pid" ]; then
  answered=
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$JAMDEPLOY_TEST_MOTO_URL/moto-api/" 2>/dev/null; then answered=1; break; fi
    kill -0 "$moto_pid" 2>/dev/null || { echo "moto_server did not start" >&2; exit 1; }
    sleep 0.2
  done
  [ -n "$answered" ] || { echo "moto_server did not answer at $JAMDEPLOY_TEST_MOTO_URL within 120 s" >&2; exit 1; }
fi

npm_status=0
wait "$npm_pid" || npm_status=$?
stamp "moto answers; npm ci ended ($npm_status)"
cat "$npm_log"; rm -f "$npm_log"

log=$(mktemp)
node_tap=$(mktemp)
node_out=$(mktemp)
# The CloudFront edge's JavaScript (viewer function in its sandbox, Lambda@Edge handlers and the emulated
# CloudFront against moto), on the dependencies installed above, beside the .NET tests: the suite is bound by
# the .NET test processes, and the node tests mostly wait on moto. Their output follows the .NET tests'.
node_pid=
if [ "$npm_status" -eq 0 ]; then
  (
    cd src/Jamdeploy.CloudFrontEdge
    node --test --test-reporter=spec --test-reporter-destination=stdout --test-reporter=tap --test-reporter-destination="$node_tap"
  ) >"$node_out" 2>&1 &
  node_pid=$!
else
  echo "npm ci failed ($npm_status): the node tests did not run" >&2
fi

# Each test project is its own `dotnet test`, its output kept apart and printed when it ends; the CLI tests start
# once the tool is installed.
test_one() {
  local project=$1
  local result=0
  dotnet test "tests/$project" -c Release --no-build -nologo --logger "console;verbosity=minimal" "${test_args[@]}" \
    >"$tool_dir/$project.out" 2>&1 || result=$?
  stamp "$project ended ($result)"
  return "$result"
}
test_args=("$@")
# Every test project under tests/ (a new one runs without being listed here); only the CLI's starts jamdeploy.
projects=()
for csproj in tests/*/*.Tests.csproj; do projects+=("$(basename "$csproj" .csproj)"); done
status=0
pids=()
for project in "${projects[@]}"; do
  [ "$project" = Jamdeploy.Cli.Tests ] && continue
  test_one "$project" &
  pids+=("$!")
done
tool_status=0
wait "$tool_pid" || tool_status=$?
tool_pid=
stamp "tool packed and installed ($tool_status)"
if [ "$tool_status" -eq 0 ]; then
  JAMDEPLOY_TEST_TOOL=$(tail -n 1 "$tool_dir/path")
  export JAMDEPLOY_TEST_TOOL JAMDEPLOY_TEST_TOOL_PACKAGES="$tool_dir/install/packages"
  test_one Jamdeploy.Cli.Tests || status=$?
else
  cat "$tool_dir/log" >&2
  echo "scripts/install-tool.sh failed: the CLI tests did not run (packing the linux-x64 tool needs gcc or clang)" >&2
  status=1
fi
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
for project in "${projects[@]}"; do
  [ ! -f "$tool_dir/$project.out" ] || cat "$tool_dir/$project.out" | tee -a "$log"
done

node_status=$npm_status
if [ -n "$node_pid" ]; then
  wait "$node_pid" || node_status=$?
  stamp "node tests waited for ($node_status)"
  cat "$node_out"
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
rm -f "$log" "$node_tap" "$node_out"
exit "$status"
