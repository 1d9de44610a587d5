#!/usr/bin/env python3
"""Precompression (issue #13): bytes saved and what it costs a deploy.

For a real documentation site (scripts/bench-peers.py's sites: the Python or the Rust docs from their Debian
packages), jamdeploy deploys the same folder twice over on one moto_server through bench-peers' counting proxy:
once with precompression (the default) and once with --no-precompress (jamdeploy before #13), each into a bucket of
its own, first / no-op / ~1 % change, the order of the two alternating per scenario. Prints per row: wall time,
requests, bytes sent, variants made and reused, compression time; the ratio with / without (issue #13: the no-op and
the 1 % change must stay within 10 %). Then the transfer of the whole site to a client: the bytes as they are,
what a brotli client (Accept-Encoding: br, gzip) and a gzip-only client download, from the release manifest.
Python 3 standard library only; run through scripts/bench-precompress.sh (which builds the CLI).
"""
import argparse
import datetime
import http.client
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_peers", os.path.join(HERE, "bench-peers.py"))
peers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peers)

SCENARIOS = ["first", "no-op", "1% change"]
MODES = {"precompress": [], "plain": ["--no-precompress"]}


def get(port, path):
    """A GET to moto, which wants an Authorization header on object reads but does not check its signature."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=bench/20260101/us-east-1/s3/aws4_request, "
                                                            "SignedHeaders=host, Signature=0"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status}")
        return body
    finally:
        conn.close()


def deploy(a, mode, site, env, cwd, logfile):
    cmd = [a.jamdeploy, "deploy", site, "--store", f"s3://bench-{mode}/site", "-m", "bench-precompress", "--json"] + MODES[mode]
    with open(logfile, "ab") as err:
        t0 = time.monotonic()
        p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                           timeout=a.timeout)
        seconds = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"bench-precompress: {mode} deploy exited {p.returncode}; see {logfile}")
    return seconds, json.loads(p.stdout)


def transfer(manifest):
    """Bytes a client downloads for every file once: as they are, with br+gzip accepted, with gzip only."""
    identity = br = gzip = 0
    compressible = compressible_br = 0
    for entry in manifest["files"].values():
        size = entry["size"]
        enc = entry.get("encodings") or {}
        best = min([size] + [v["size"] for v in enc.values()])
        identity += size
        br += best
        gzip += min(size, enc["gzip"]["size"]) if "gzip" in enc else size
        if enc:
            compressible += size
            compressible_br += best
    return dict(identity=identity, br=br, gzip=gzip, compressible=compressible, compressible_br=compressible_br)


def print_rows(rows):
    print(f"\n{'scenario':<10} {'mode':<11} {'wall s':>8} {'req':>6} {'PUT':>6} {'LIST':>5} {'sent':>10} {'made':>6} {'reused':>7} {'compress s':>10} {'vs plain':>9}")
    for r in rows:
        plain = next(p for p in rows if p["scenario"] == r["scenario"] and p["mode"] == "plain")
        ratio = "" if r["mode"] == "plain" else f"{r['seconds'] / plain['seconds']:.2f}x"
        print(f"{r['scenario']:<10} {r['mode']:<11} {r['seconds']:8.2f} {r['requests']:>6} {r['kinds']['PUT']:>6} {r['kinds']['LIST']:>5} "
              f"{peers.fmt_bytes(r['bytes_up']):>10} {r['made']:>6} {r['reused']:>7} {r['compress_ms'] / 1000:10.1f} {ratio:>9}", flush=True)


def pct(part, whole):
    return f"{100 * part / whole:.1f} %" if whole else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", nargs="?", default="/tmp/jamdeploy-bench-peers")
    ap.add_argument("--jamdeploy", required=True)
    ap.add_argument("--site", choices=sorted(peers.SITES), default="python")
    ap.add_argument("--files", type=int, default=0, help="an evenly spread subset of N files (0: all)")
    ap.add_argument("--latency", type=int, default=0, help="ms the proxy adds per request")
    ap.add_argument("--runs", type=int, default=1, help="no-op runs per mode (the median is printed)")
    ap.add_argument("--timeout", type=int, default=3600)
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    a.jamdeploy = os.path.abspath(a.jamdeploy)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    html = peers.prepare_site(work, a.site, deb_timeout=600)
    files = peers.select_files(html, a.site, a.files)
    total = sum(os.path.getsize(os.path.join(html, f)) for f in files)
    run_dir = os.path.join(work, f"precompress-{a.site}")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    site = os.path.join(run_dir, "site")
    cwd = os.path.join(run_dir, "cwd")
    os.makedirs(cwd)
    logfile = os.path.join(run_dir, "deploys.log")
    uptime = lambda: subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    print(f"bench-precompress  {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}  "
          f"{os.cpu_count()} cpus  load: {uptime()}")
    print(f"site: {peers.SITES[a.site][3]}: {len(files)} files, {peers.fmt_bytes(total)}; moto + proxy, {a.latency} ms added")

    moto, moto_port = peers.start_moto(work)
    proxy = peers.Proxy(moto_port)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxy.latency = a.latency / 1000
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    env = dict(peers.clean_env(), AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.path.join(run_dir, "none"),
               AWS_SHARED_CREDENTIALS_FILE=os.path.join(run_dir, "none"),
               JAMDEPLOY__S3__ENDPOINTURL=proxy_url, JAMDEPLOY__S3__FORCEPATHSTYLE="true",
               JAMDEPLOY__S3__REGION="us-east-1", DOTNET_CLI_TELEMETRY_OPTOUT="1")
    rows = []
    result = dict(site=a.site, files=len(files), bytes=total, latency_ms=a.latency, load_start=uptime(), rows=rows)
    try:
        for mode in MODES:
            peers.http_call("PUT", moto_port, f"/bench-{mode}")
        peers.copy_site(html, files, site)
        for si, sc in enumerate(SCENARIOS):
            if sc == "1% change":
                print(f"(1 % change: {peers.change_one_percent(site, files)} pages edited)")
            order = list(MODES) if si % 2 == 0 else list(reversed(MODES))
            for mode in order:
                runs = []
                for _ in range(a.runs if sc == "no-op" else 1):
                    time.sleep(0.5)
                    proxy.stats.reset()
                    seconds, doc = deploy(a, mode, site, env, cwd, logfile)
                    runs.append((seconds, proxy.stats.snapshot(), doc))
                runs.sort(key=lambda r: r[0])
                seconds, s, doc = runs[len(runs) // 2]
                pre = doc.get("precompressed") or {}
                rows.append(dict(scenario=sc, mode=mode, seconds=round(seconds, 3), requests=s["total"], kinds=s["kinds"],
                                 serial=s["serial"], bytes_up=s["bytes_up"], outcome=doc["outcome"], release=doc["release"],
                                 made=pre.get("made", 0), reused=pre.get("reused", 0), variant_bytes_sent=pre.get("bytesSent", 0),
                                 compress_ms=pre.get("compressMilliseconds", 0)))
                peers.log(f"  {sc:<10} {mode:<11} {seconds:8.2f} s {s['total']:>6} requests")
        print_rows(rows)
        manifest = json.loads(get(moto_port, f"/bench-precompress/site/releases/{rows[0]['release']}.json"))
        t = transfer(manifest)
        result["transfer"] = t
    finally:
        proxy.shutdown()
        peers.cleanup()
    result["load_end"] = uptime()

    print(f"\ntransfer of every file once (from the release manifest):")
    print(f"  as they are:                {peers.fmt_bytes(t['identity'])}")
    print(f"  brotli client (br, gzip):   {peers.fmt_bytes(t['br'])}  ({pct(t['br'], t['identity'])} of it)")
    print(f"  gzip-only client:           {peers.fmt_bytes(t['gzip'])}  ({pct(t['gzip'], t['identity'])} of it)")
    print(f"  compressible files only:    {peers.fmt_bytes(t['compressible'])} -> {peers.fmt_bytes(t['compressible_br'])} "
          f"({pct(t['compressible_br'], t['compressible'])}) with brotli")
    print(f"compression time is summed over the workers (busy time, stretched by a loaded machine); load at the end: {result['load_end']}")
    out = os.path.join(work, f"bench-precompress-{a.site}.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"json: {out}")


if __name__ == "__main__":
    main()
