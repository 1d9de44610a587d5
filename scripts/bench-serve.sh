#!/usr/bin/env bash
# Requests/s and p99 latency of `jamdeploy serve` (local store) against nginx serving the same files,
# for a 2 KB page and a 1 MB asset, in the same run, printed as ratios (target: jamdeploy >= 0.8x nginx).
# Loopback only; bounded: about DURATION seconds (default 12) per case and server, plus warm-ups of
# BENCH_WARMUP_SECONDS (default 3) each: serve's JIT compiles its hot path in the background from the first
# requests, which takes a few seconds when the cores are shared, so a 1 s warm-up measured part start-up.
# Installs nginx and wrk (Debian packages) when missing. Usage: scripts/bench-serve.sh [duration-seconds]
# Serve is the Release build (JIT-compiled: the same code as the container image's ReadyToRun build once warmed up); JAMDEPLOY_BIN=<executable>
# measures another, such as the tool as users install it (scripts/install-tool.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${1:-12}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
THREADS="${BENCH_THREADS:-1}"
WARMUP="${BENCH_WARMUP_SECONDS:-3}"

need=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (Debian packages)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d /tmp/jamdeploy-bench-serve.XXXXXX)"
SERVE_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_http() {
  for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2; return 1
}

if [ -n "${JAMDEPLOY_BIN:-}" ]; then
  JAMDEPLOY=("$JAMDEPLOY_BIN")
else
  echo "building jamdeploy (Release)..."
  dotnet build src/Jamdeploy.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
  JAMDEPLOY=(dotnet "src/Jamdeploy.Cli/bin/Release/net10.0/jamdeploy.dll")
fi

# The site: a 2 KB HTML page and a 1 MB binary asset.
SITE="$WORK/site"
mkdir -p "$SITE/assets" "$WORK/nginx-tmp"
chmod 755 "$WORK"  # nginx workers run unprivileged when started as root
python3 - "$SITE" <<'PY'
import os, sys
site = sys.argv[1]
body = "<p>" + "jamdeploy bench page " * 90 + "</p>"
html = "<!doctype html><html><head><title>bench</title></head><body>" + body + "</body></html>\n"
html = html + " " * (2048 - len(html.encode()))
open(os.path.join(site, "page.html"), "w").write(html[:2048])
open(os.path.join(site, "assets", "asset.bin"), "wb").write(os.urandom(1 << 20))
PY
"${JAMDEPLOY[@]}" deploy "$SITE" --store "$WORK/store" >/dev/null

SERVE_PORT="$(free_port)"
NGINX_PORT="$(free_port)"
# The request log goes to a file, as nginx's access log does.
JAMDEPLOY__LOGGING__FILE= "${JAMDEPLOY[@]}" serve --store "$WORK/store" --urls "http://127.0.0.1:$SERVE_PORT" >"$WORK/serve.out" 2>"$WORK/serve-requests.log" &
SERVE_PID=$!
sed -e "s#@WORK@#$WORK#g" -e "s#@PORT@#$NGINX_PORT#g" -e "s#@ROOT@#$SITE#g" scripts/bench-serve/nginx.conf.template >"$WORK/nginx.conf"
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK" &
NGINX_PID=$!
wait_http "http://127.0.0.1:$SERVE_PORT/page.html"
wait_http "http://127.0.0.1:$NGINX_PORT/page.html"

# Both must serve identical bytes, or the comparison means nothing.
for path in /page.html /assets/asset.bin; do
  a="$(curl -fsS "http://127.0.0.1:$SERVE_PORT$path" | sha256sum)"
  b="$(curl -fsS "http://127.0.0.1:$NGINX_PORT$path" | sha256sum)"
  [ "$a" = "$b" ] || { echo "different bytes for $path" >&2; exit 1; }
done

# wrk → "requests_per_second p99_ms requests client_cpu_seconds". The client's CPU is counted too: on loopback the
# kernel's work of moving a response can land in either process (a server that leaves its file queued behind a
# lone header segment makes wrk's reads do it), so the server's CPU alone can look better than it is.
measure() {
  python3 -c '
import re, resource, subprocess, sys
text = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
if errors: sys.exit(f"non-2xx answers: {errors.group(1)}")
total = int(re.search(r"(\d+) requests in", text).group(1))
print(f"{rps:.0f} {float(m.group(1)) * scale:.2f} {total} {usage.ru_utime + usage.ru_stime:.3f}")
' wrk -t"$THREADS" -c"$CONNECTIONS" -d"${ROUND_SECONDS}s" --latency "$1"
}

# CPU time (clock ticks, user + system) of a server: its process and its children (nginx workers).
cpu_ticks() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    [ -r "/proc/$pid/stat" ] || continue
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat") ))
  done
  echo "$total"
}

# The machine is shared, so load from elsewhere comes and goes: the two servers are measured in
# alternation, ROUNDS short rounds each, and the median round of each is compared.
ROUNDS=3
ROUND_SECONDS=$(( (DURATION + ROUNDS - 1) / ROUNDS ))
echo "load: wrk -t$THREADS -c$CONNECTIONS, ${WARMUP}s warm-up then $ROUNDS alternating rounds of ${ROUND_SECONDS}s per case and server, loopback; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
# One row per round: case server round requests/s p99-ms requests wrk-CPU-seconds server-CPU-ticks
RESULTS="$WORK/results.txt"
: >"$RESULTS"
for case in page asset; do
  path=/page.html; [ "$case" = asset ] && path=/assets/asset.bin
  for server in jamdeploy nginx; do
    port=$SERVE_PORT; [ "$server" = nginx ] && port=$NGINX_PORT
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "http://127.0.0.1:$port$path" >/dev/null  # warm-up
  done
  for round in $(seq 1 "$ROUNDS"); do
    for server in jamdeploy nginx; do
      port=$SERVE_PORT; pid=$SERVE_PID
      [ "$server" = nginx ] && port=$NGINX_PORT && pid=$NGINX_PID
      before=$(cpu_ticks "$pid")
      figures="$(measure "http://127.0.0.1:$port$path")"
      echo "$case $server $round $figures $(( $(cpu_ticks "$pid") - before ))" >>"$RESULTS"
    done
  done
done
python3 - "$RESULTS" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
ticks = float(sys.argv[2])
def cpu_us(case, server):
    # Server CPU per request: steadier than requests/s when other work shares the cores.
    picked = [r for r in rows if r[0] == case and r[1] == server]
    return sum(int(r[7]) for r in picked) / ticks * 1e6 / sum(int(r[5]) for r in picked)
def client_us(case, server):
    picked = [r for r in rows if r[0] == case and r[1] == server]
    return sum(float(r[6]) for r in picked) * 1e6 / sum(int(r[5]) for r in picked)
def median(case, server, column):
    return statistics.median(float(r[column]) for r in rows if r[0] == case and r[1] == server)
print(f"{'case':<7}{'server':<11}{'requests/s (rounds)':>34}{'p99 ms (median)':>17}{'CPU us/request':>16}{'wrk CPU us/req':>16}")
for case in ("page", "asset"):
    for server in ("jamdeploy", "nginx"):
        rounds = " ".join(r[3] for r in rows if r[0] == case and r[1] == server)
        print(f"{case:<7}{server:<11}{median(case, server, 3):>10.0f} ({rounds}){median(case, server, 4):>12.2f}"
              f"{cpu_us(case, server):>16.1f}{client_us(case, server):>16.1f}")
print()
for case in ("page", "asset"):
    ratio = median(case, "jamdeploy", 3) / median(case, "nginx", 3)
    verdict = "meets" if ratio >= 0.8 else "below"
    print(f"{case:<6} jamdeploy/nginx throughput {ratio:.2f}x ({verdict} the 0.8x target); "
          f"p99 {median(case, 'jamdeploy', 4):.2f} ms vs {median(case, 'nginx', 4):.2f} ms; "
          f"CPU per request: nginx uses {cpu_us(case, 'nginx') / cpu_us(case, 'jamdeploy'):.2f}x of jamdeploy's, "
          f"{(cpu_us(case, 'nginx') + client_us(case, 'nginx')) / (cpu_us(case, 'jamdeploy') + client_us(case, 'jamdeploy')):.2f}x with wrk's")
PY
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: other work inflates both sides)"
echo "jamdeploy request log lines written: $(wc -l <"$WORK/serve-requests.log")"
