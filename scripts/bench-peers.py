#!/usr/bin/env python3
"""Peer comparison (issue #16): the same real site deployed by jamdeploy, `hugo deploy` and `aws s3 sync`
to one moto_server, through a counting proxy that can add a fixed latency per request.

Scenarios: first deploy, no-op redeploy, ~1 % of the files edited, rebuilt with the same content (every
file touched). Tool order rotates per scenario. Prints a table per latency and writes it as JSON.
Python 3 standard library only; run through scripts/bench-peers.sh (which builds the CLI).
"""
import argparse
import datetime
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCENARIOS = ["first", "no-op", "1% change", "rebuilt same content"]
TOOLS = ["jamdeploy", "hugo", "aws"]
KINDS = ["PUT", "GET", "LIST", "HEAD", "POST", "DELETE"]
TIMELINE = 500
TARGETS = {0: 1.0, 50: 0.7}  # jamdeploy / best peer, per issue #16
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade",
       "expect", "content-length"}
EDIT_MARK = b"\n<!-- jamdeploy bench-peers edit -->\n"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- counting, latency-adding proxy

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.kinds = {k: 0 for k in KINDS}
            self.total = 0
            self.serial = 0        # requests that arrived while none was in flight: sequential round trips
            self.inflight = 0
            self.peak = 0
            self.bytes_up = 0
            self.bytes_down = 0
            self.first = None
            self.last_end = None
            self.errors = 0
            self.expect = 0        # requests that waited for a 100 Continue before sending their body
            self.timeline = []     # (arrival, end, kind) of the first TIMELINE requests, for the JSON

    def snapshot(self):
        with self.lock:
            return dict(total=self.total, kinds=dict(self.kinds), serial=self.serial, peak=self.peak,
                        bytes_up=self.bytes_up, bytes_down=self.bytes_down, first=self.first,
                        last_end=self.last_end, proxy_errors=self.errors, expect_100=self.expect,
                        timeline=list(self.timeline))


class Proxy(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, upstream_port):
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.upstream_port = upstream_port
        self.latency = 0.0
        self.stats = Stats()


def kind_of(method, path):
    if method != "GET":
        return method if method in KINDS else "POST"
    p, _, q = path.partition("?")
    # path style: /bucket or /bucket/ with no key is a listing (ListObjects[V2], ListBuckets on /)
    if "list-type=" in q or p.strip("/").count("/") == 0:
        return "LIST"
    return "GET"


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None

    def log_message(self, *args):
        pass

    def handle_expect_100(self):
        # On a real link the client waits a round trip for this answer before it sends the body.
        st = self.server.stats
        with st.lock:
            st.expect += 1
        if self.server.latency:
            time.sleep(self.server.latency)
        return super().handle_expect_100()

    def _body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _forward(self, method, body, headers):
        for attempt in (0, 1):
            if self.upstream is None:
                self.upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=300)
            try:
                self.upstream.request(method, self.path, body=body, headers=headers)
                resp = self.upstream.getresponse()
                data = resp.read()
                return resp, data
            except (http.client.HTTPException, OSError):
                self.upstream.close()
                self.upstream = None
                if attempt:
                    raise

    def _handle(self):
        srv = self.server
        st = srv.stats
        body = self._body()
        with st.lock:
            now = time.monotonic()
            if st.first is None:
                st.first = now
            if st.inflight == 0:
                st.serial += 1
            st.inflight += 1
            st.peak = max(st.peak, st.inflight)
            st.total += 1
            kind = kind_of(self.command, self.path)
            st.kinds[kind] += 1
            st.bytes_up += len(body)
        try:
            if srv.latency:
                time.sleep(srv.latency)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            if body or self.command in ("PUT", "POST"):
                headers["Content-Length"] = str(len(body))
            try:
                resp, data = self._forward(self.command, body, headers)
            except Exception as e:  # upstream failure: answer 502, counted
                with st.lock:
                    st.errors += 1
                msg = f"proxy: upstream failed: {e}".encode()
                self.send_response_only(502)
                self.send_header("Content-Length", str(len(msg)))
                self.end_headers()
                self.wfile.write(msg)
                return
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP:
                    self.send_header(k, v)
            if self.command == "HEAD":
                cl = resp.getheader("Content-Length")
                if cl is not None:
                    self.send_header("Content-Length", cl)
            elif resp.status not in (204, 304):
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD" and resp.status not in (204, 304):
                self.wfile.write(data)
            self.wfile.flush()
            with st.lock:
                st.bytes_down += len(data)
        finally:
            with st.lock:
                st.inflight -= 1
                st.last_end = time.monotonic()
                if len(st.timeline) < TIMELINE:
                    st.timeline.append((now, st.last_end, kind))

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

    def finish(self):
        try:
            super().finish()
        finally:
            if self.upstream is not None:
                self.upstream.close()


# ---------------------------------------------------------------- processes

CHILDREN = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def cleanup():
    for p in CHILDREN:
        stop(p)


def run(cmd, env, cwd, timeout, logfile):
    with open(logfile, "ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        CHILDREN.append(p)
        try:
            return p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return "timeout"
        finally:
            stop(p)  # timed out, or interrupted
            CHILDREN.remove(p)


def children_cpu():
    """CPU seconds (user + system) of every child process this script has waited for."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def process_cpu(pid):
    """CPU seconds (user + system) a running process has used so far (moto_server's work per tool run)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http_call(method, port, path, timeout=30):
    """A plain request to moto (no signature: moto does not check one); raises on a non-2xx answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=b"" if method in ("PUT", "POST") else None)
        r = conn.getresponse()
        body = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {body[:200]!r}")
        return r.status
    finally:
        conn.close()


def clean_env():
    """The environment without the caller's AWS profile, endpoints or jamdeploy settings (moto reads AWS_* too)."""
    return {k: v for k, v in os.environ.items()
            if not (k.startswith("JAMDEPLOY__") or k.startswith("AWS_ENDPOINT_URL")
                    or k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"))}


def start_moto(work):
    port = free_port()
    logf = open(os.path.join(work, "moto.log"), "wb")
    p = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=logf,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True, env=clean_env())
    CHILDREN.append(p)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if p.poll() is not None:
            sys.exit(f"moto_server exited ({p.returncode}); see {work}/moto.log")
        try:
            http_call("GET", port, "/moto-api/", timeout=2)
            return p, port
        except Exception:
            time.sleep(0.3)
    sys.exit("moto_server did not answer within 90 s")


# ---------------------------------------------------------------- the site

# Real documentation sites from Debian packages: (package, html root inside it, subtrees left out, name).
SITES = {
    # core::arch is 26,000 near-identical intrinsics pages; without it: 6,499 files, 374 MiB
    "rust": ("rust-doc", "usr/share/doc/rust-doc/html", ["core/arch", "core/core_arch"],
             "Rust 1.63 docs (Debian rust-doc) without core::arch"),
    "python": ("python3.11-doc", "usr/share/doc/python3.11/html", [], "Python 3.11 docs (Debian python3.11-doc)"),
}


def prepare_site(work, site, deb_timeout):
    """Download and extract the site's package once into <work>/<package>; return the html root."""
    package, html_rel, _, _ = SITES[site]
    root = os.path.join(work, package)
    html = os.path.join(root, html_rel)
    if os.path.isdir(html):
        return html
    pkg = os.path.join(work, "pkg")
    os.makedirs(pkg, exist_ok=True)
    find = lambda: sorted(f for f in os.listdir(pkg) if f.startswith(package + "_") and f.endswith(".deb"))
    if not find():
        log(f"downloading the Debian package {package}...")
        subprocess.run(["apt-get", "download", package], cwd=pkg, check=True, timeout=deb_timeout,
                       stdout=subprocess.DEVNULL)
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    subprocess.run(["dpkg", "-x", os.path.join(pkg, find()[-1]), tmp], check=True, timeout=deb_timeout)
    if not os.path.isdir(os.path.join(tmp, html_rel)):
        sys.exit(f"bench-peers: {package} has no {html_rel}")
    os.rename(tmp, root)
    return html


def select_files(html, site, limit):
    """The site's regular files (symlinks point outside the package), sorted; an evenly spread subset with limit."""
    skip = {os.path.join(html, x) for x in SITES[site][2]}
    files = []
    for d, dirs, names in os.walk(html):
        dirs[:] = sorted(x for x in dirs if os.path.join(d, x) not in skip)
        for n in sorted(names):
            full = os.path.join(d, n)
            if os.path.isfile(full) and not os.path.islink(full):
                files.append(os.path.relpath(full, html))
    files.sort()
    if limit and limit < len(files):
        step = len(files) / limit
        files = [files[int(i * step)] for i in range(limit)]
    return files


def copy_site(html, files, dest):
    shutil.rmtree(dest, ignore_errors=True)
    for rel in files:
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(html, rel), target)


def change_one_percent(site, files):
    """Append a comment to ~1 % of the HTML files, evenly spread, deterministic."""
    pages = [f for f in files if f.endswith(".html")] or files
    n = max(1, round(len(files) / 100))
    step = len(pages) / n
    chosen = [pages[int(i * step)] for i in range(n)]
    for rel in chosen:
        with open(os.path.join(site, rel), "ab") as f:
            f.write(EDIT_MARK)
    return len(chosen)


def touch_all(site, files):
    now = time.time()
    for rel in files:
        os.utime(os.path.join(site, rel), (now, now))


# ---------------------------------------------------------------- the tools

def tool_command(tool, a, site, proxy_url, hugo_dir):
    if tool == "jamdeploy":
        return [a.jamdeploy, "deploy", site, "--store", "s3://bench-jamdeploy/site", "-m", "bench-peers", "--json"] \
            + (["--verbose"] if a.jamdeploy_verbose else [])
    if tool == "hugo":
        return ["hugo", "deploy", "--source", hugo_dir, "--target", "bench"]
    return ["aws", "--endpoint-url", proxy_url, "s3", "sync", site, "s3://bench-aws/site", "--delete",
            "--only-show-errors", "--no-progress"]


def write_hugo_project(hugo_dir, site, proxy_port):
    os.makedirs(hugo_dir, exist_ok=True)
    url = (f"s3://bench-hugo?endpoint=http://127.0.0.1:{proxy_port}&disableSSL=true&s3ForcePathStyle=true"
           f"&region=us-east-1")
    with open(os.path.join(hugo_dir, "config.toml"), "w") as f:
        f.write(f'baseURL = "http://example.org/"\npublishDir = "{site}"\n\n[deployment]\n'
                f'[[deployment.targets]]\nname = "bench"\nURL = "{url}"\n')


def fmt_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024


def round_trips(timeline, total):
    """The requests grouped into sequential round trips: a group starts when none is in flight (the 'serial' column)."""
    groups, busy_until = [], None
    for begin, end, kind in timeline:
        if busy_until is None or begin >= busy_until:
            groups.append({})
            busy_until = end
        busy_until = max(busy_until, end)
        groups[-1][kind] = groups[-1].get(kind, 0) + 1
    text = " | ".join(" ".join(k if n == 1 else f"{k}x{n}" for k, n in g.items()) for g in groups)
    return f"{len(groups)}: {text}" + ("" if total <= len(timeline) else f" (first {len(timeline)} of {total} requests)")


def print_table(latency, rows, out):
    p = lambda s="": print(s, file=out, flush=True)
    p(f"\n== added latency {latency} ms per request (target: jamdeploy <= {TARGETS.get(latency, 1.0)}x best peer)")
    head = f"{'scenario':<21} {'#':>1} {'tool':<9} {'wall s':>7} {'req':>6} " + " ".join(f"{k:>6}" for k in KINDS) + \
        f" {'serial':>6} {'peak':>4} {'100c':>5} {'1st req s':>9} {'tail s':>6} {'cpu s':>6} {'moto s':>6} {'sent':>10} {'recv':>10}  ratio"
    p(head)
    p("-" * len(head))
    for sc in SCENARIOS:
        rs = sorted((r for r in rows if r["scenario"] == sc), key=lambda r: TOOLS.index(r["tool"]))
        for r in rs:
            ratio = ""
            if r["tool"] == "jamdeploy" and r.get("ratio") is not None:
                ratio = f"{r['ratio']:.2f}x vs {r['best_peer']} ({'met' if r['met'] else 'MISSED'})"
            status = "" if r["exit"] == 0 else f"  EXIT {r['exit']}"
            k = r["requests"]["kinds"]
            p(f"{sc:<21} {r['order']:>1} {r['tool']:<9} {r['seconds']:>7.2f} {r['requests']['total']:>6} "
              + " ".join(f"{k[x]:>6}" for x in KINDS)
              + f" {r['requests']['serial']:>6} {r['requests']['peak']:>4} {r['requests']['expect_100']:>5}"
              + f" {r['first_request_s']:>9.2f} {r['after_last_response_s']:>6.2f} {r['cpu_s']:>6.2f} {r['moto_cpu_s']:>6.2f}"
              + f" {fmt_bytes(r['requests']['bytes_up']):>10} {fmt_bytes(r['requests']['bytes_down']):>10}  {ratio}{status}")
    p("jamdeploy's sequential round trips (a group starts when no request is in flight):")
    for r in sorted((r for r in rows if r["tool"] == "jamdeploy"), key=lambda r: SCENARIOS.index(r["scenario"])):
        p(f"  {r['scenario']:<21} {round_trips(r['timeline'], r['requests']['total'])}")
    met = [r for r in rows if r["tool"] == "jamdeploy" and r.get("met") is not None]
    p(f"targets met: {sum(r['met'] for r in met)}/{len(met)} rows")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", nargs="?", default="/tmp/jamdeploy-bench-peers")
    ap.add_argument("--jamdeploy", required=True, help="the jamdeploy executable")
    ap.add_argument("--site", choices=sorted(SITES), default="rust", help="the documentation site to deploy")
    ap.add_argument("--files", type=int, default=0, help="use an evenly spread subset of N files (0: all)")
    ap.add_argument("--latencies", default="0,50", help="added ms per request, comma-separated")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds allowed per tool run")
    ap.add_argument("--scenarios", type=int, default=len(SCENARIOS),
                    help="run the first N scenarios only (each builds on the one before; 1: first deploys only)")
    ap.add_argument("--json-out", help="default: <work>/bench-peers-<site>.json")
    ap.add_argument("--jamdeploy-verbose", action="store_true",
                    help="run jamdeploy with --verbose: its log (in <work>/run-<site>/logs) times each stage and lookup")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    a.jamdeploy = os.path.abspath(a.jamdeploy)
    latencies = [int(x) for x in a.latencies.split(",") if x.strip()]
    for exe in ("moto_server", "hugo", "aws", "apt-get", "dpkg"):
        if shutil.which(exe) is None:
            sys.exit(f"bench-peers: '{exe}' is not on PATH")
    if not os.access(a.jamdeploy, os.X_OK):
        sys.exit(f"bench-peers: jamdeploy executable not found: {a.jamdeploy}")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored
    html = prepare_site(work, a.site, deb_timeout=600)
    files = select_files(html, a.site, a.files)
    total_bytes = sum(os.path.getsize(os.path.join(html, f)) for f in files)
    run_dir = os.path.join(work, f"run-{a.site}")
    site = os.path.join(run_dir, "site")
    logs = os.path.join(run_dir, "logs")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(logs)
    jd_cwd = os.path.join(run_dir, "jamdeploy-cwd")
    os.makedirs(jd_cwd)

    header = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip(),
        "cpus": os.cpu_count(),
        "site": SITES[a.site][3] + (f", subset of {a.files}" if a.files else ""),
        "files": len(files), "bytes": total_bytes,
        "hugo": subprocess.run(["hugo", "version"], capture_output=True, text=True, timeout=60).stdout.strip(),
        "aws": (lambda r: (r.stdout + r.stderr).strip())(
            subprocess.run(["aws", "--version"], capture_output=True, text=True, timeout=60)),
        "jamdeploy": a.jamdeploy,
    }
    out = sys.stdout
    print(f"bench-peers  {header['date']}  {header['cpus']} cpus  load: {header['uptime']}", file=out)
    print(f"site: {header['site']}: {len(files)} files, {fmt_bytes(total_bytes)}", file=out)
    print(f"tools: jamdeploy {a.jamdeploy} | {header['hugo']} | {header['aws']}", file=out)
    print("columns: req = requests through the proxy; LIST = GET on a bucket; serial = requests sent while no other "
          "was in flight (sequential round trips); peak = most in flight; 100c = requests that waited for a "
          "100 Continue (one more round trip each: the proxy delays it by the added latency); 1st req s = process start "
          "to first request; tail s = last response to exit; cpu s = the tool's CPU time (user + system), moto s = "
          "moto_server's during the run (both less sensitive to a busy machine than wall time); # = position in the "
          "scenario's run order; sent/recv = bodies",
          file=out, flush=True)

    moto, moto_port = start_moto(work)
    proxy = Proxy(moto_port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxy_port = proxy.server_address[1]
    proxy_url = f"http://127.0.0.1:{proxy_port}"
    hugo_dir = os.path.join(run_dir, "hugo-project")
    write_hugo_project(hugo_dir, site, proxy_port)

    env = dict(clean_env(), AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
               AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=os.path.join(run_dir, "no-aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=os.path.join(run_dir, "no-aws-credentials"),
               JAMDEPLOY__S3__ENDPOINTURL=proxy_url, JAMDEPLOY__S3__FORCEPATHSTYLE="true",
               JAMDEPLOY__S3__REGION="us-east-1", DOTNET_CLI_TELEMETRY_OPTOUT="1")

    result = {"header": header, "rows": []}
    json_out = a.json_out or os.path.join(work, f"bench-peers-{a.site}.json")
    try:
        for li, latency in enumerate(latencies):
            http_call("POST", moto_port, "/moto-api/reset")
            for bucket in ("bench-jamdeploy", "bench-hugo", "bench-aws"):
                http_call("PUT", moto_port, f"/{bucket}")
            log(f"latency {latency} ms: copying the site ({len(files)} files)...")
            copy_site(html, files, site)
            proxy.latency = latency / 1000
            rows = []
            for si, sc in enumerate(SCENARIOS[:a.scenarios]):
                if sc == "1% change":
                    log(f"  edited {change_one_percent(site, files)} files")
                elif sc == "rebuilt same content":
                    touch_all(site, files)
                shift = (si + li) % len(TOOLS)
                for order, tool in enumerate(TOOLS[shift:] + TOOLS[:shift], 1):
                    time.sleep(0.5)  # let the previous tool's connections close
                    proxy.stats.reset()
                    logfile = os.path.join(logs, f"{latency}ms-{si}-{tool}.log")
                    cpu0, moto0 = children_cpu(), process_cpu(moto.pid)
                    t0 = time.monotonic()
                    code = run(tool_command(tool, a, site, proxy_url, hugo_dir), env, jd_cwd, a.timeout, logfile)
                    seconds = time.monotonic() - t0
                    cpu, moto_cpu = children_cpu() - cpu0, process_cpu(moto.pid) - moto0
                    s = proxy.stats.snapshot()
                    row = dict(latency_ms=latency, scenario=sc, tool=tool, order=order, seconds=round(seconds, 3), exit=code,
                               cpu_s=round(cpu, 3), moto_cpu_s=round(moto_cpu, 3),
                               first_request_s=round((s["first"] - t0) if s["first"] else seconds, 3),
                               after_last_response_s=round((t0 + seconds - s["last_end"]) if s["last_end"] else 0, 3),
                               requests={k: v for k, v in s.items() if k not in ("first", "last_end", "timeline")},
                               # seconds since the process started: [arrival at the proxy, response sent, kind]
                               timeline=[[round(b - t0, 3), round(e - t0, 3), k] for b, e, k in sorted(s["timeline"])])
                    rows.append(row)
                    log(f"  {latency} ms {sc:<21} {tool:<9} {seconds:7.2f} s {s['total']:>6} requests"
                        + ("" if code == 0 else f"  EXIT {code} (see {logfile})"))
                jd = next(r for r in rows if r["scenario"] == sc and r["tool"] == "jamdeploy")
                peers = [r for r in rows if r["scenario"] == sc and r["tool"] != "jamdeploy" and r["exit"] == 0]
                if peers and jd["exit"] == 0:
                    best = min(peers, key=lambda r: r["seconds"])
                    jd["best_peer"] = best["tool"]
                    jd["ratio"] = round(jd["seconds"] / best["seconds"], 3)
                    jd["target"] = TARGETS.get(latency, 1.0)
                    jd["met"] = jd["ratio"] <= jd["target"]
            print_table(latency, rows, out)
            result["rows"].extend(rows)
            with open(json_out, "w") as f:
                json.dump(result, f, indent=1)
    finally:
        proxy.shutdown()
        cleanup()
    load = subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    print(f"\nload at the end: {load}\njson: {json_out}   logs: {logs}", file=out)
    failed = [r for r in result["rows"] if r["exit"] != 0]
    if failed:
        sys.exit(f"bench-peers: {len(failed)} tool runs failed; see {logs}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        cleanup()
