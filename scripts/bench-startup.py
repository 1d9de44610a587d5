#!/usr/bin/env python3
"""Fresh-process figures (issue #16), for the jamdeploy users run (the installed tool package):

- start-up: a no-op redeploy of a small site (1 file; 100 files of the Python docs) on the local store and on
  moto (through bench-peers' counting proxy), each run a new process: wall time, CPU time (user + system) and,
  on moto, process start to first request;
- hashing: `deploy --dry-run --verbose` of the Python docs (1,063 files) and the Rust docs (6,499 files) on warm
  page cache, each run a new process: the rate of its "Hashed ..." log line, in GB/s (10^9 bytes per second), and
  in GB per CPU-second (the process's CPU time while it hashed): on a busy machine the wall rate only says how
  busy it was; bytes per CPU-second times the cores gives what an idle machine does.

Several executables (--jamdeploy A --jamdeploy B) run alternately under the same load, for before/after figures.
Python 3 standard library only; run through scripts/bench-startup.sh (which packs and installs the tool).
"""
import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("bench_peers", os.path.join(HERE, "bench-peers.py"))
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)

HASHED = re.compile(r"Hashed (\d+) files \((\d+) bytes\) in ([\d.]+) ms(?:, ([\d.]+) ms of CPU)?")


def run_once(cmd, env, cwd, proxy=None):
    """Runs cmd to the end; returns (exit, wall s, cpu s, first request s or None, stderr)."""
    if proxy:
        proxy.stats.reset()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=600)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    first = None
    if proxy:
        s = proxy.stats.snapshot()
        first = (s["first"] - t0) if s["first"] else None
    return p.returncode, wall, cpu, first, p.stderr.decode(errors="replace")


def warm(folder):
    for d, _, names in os.walk(folder):
        for n in names:
            with open(os.path.join(d, n), "rb") as f:
                while f.read(1 << 20):
                    pass


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("work", nargs="?", default="/tmp/jamdeploy-bench-peers")
    ap.add_argument("--jamdeploy", action="append", required=True, help="an executable; repeat to compare")
    ap.add_argument("--runs", type=int, default=7, help="fresh processes per start-up row")
    ap.add_argument("--hash-runs", type=int, default=3, help="fresh processes per hashing row")
    ap.add_argument("--skip", default="", help="comma-separated: startup, moto, hashing, rust")
    ap.add_argument("--json-out", help="default: <work>/bench-startup.json")
    a = ap.parse_args()
    skip = set(x for x in a.skip.split(",") if x)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    tools = [os.path.abspath(t) for t in a.jamdeploy]
    for t in tools:
        if not os.access(t, os.X_OK):
            sys.exit(f"bench-startup: not an executable: {t}")
    load = lambda: subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    print(f"bench-startup  {os.cpu_count()} cpus  load: {load()}")
    for i, t in enumerate(tools):
        print(f"  [{i}] {t}")
    run_dir = os.path.join(work, "run-startup")
    shutil.rmtree(run_dir, ignore_errors=True)
    os.makedirs(run_dir)
    env = dict(peers.clean_env(), DOTNET_CLI_TELEMETRY_OPTOUT="1", CI="", JAMDEPLOY__CDN__PROVIDER="none")
    result = {"load_start": load(), "tools": tools, "startup": [], "hashing": []}

    python_html = peers.prepare_site(work, "python", deb_timeout=600)
    moto = proxy = None
    try:
        if "startup" not in skip:
            sites = {}
            one = os.path.join(run_dir, "site-1")
            os.makedirs(one)
            with open(os.path.join(one, "index.html"), "w") as f:
                f.write("<!doctype html><h1>hello</h1>\n")
            sites["1 file"] = one
            hundred = os.path.join(run_dir, "site-100")
            peers.copy_site(python_html, peers.select_files(python_html, "python", 100), hundred)
            sites["100 files"] = hundred
            stores = ["local"]
            if "moto" not in skip and shutil.which("moto_server"):
                moto, moto_port = peers.start_moto(work)
                proxy = peers.Proxy(moto_port)
                threading.Thread(target=proxy.serve_forever, daemon=True).start()
                url = f"http://127.0.0.1:{proxy.server_address[1]}"
                env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
                           AWS_EC2_METADATA_DISABLED="true",
                           AWS_CONFIG_FILE=os.path.join(run_dir, "no-aws-config"),
                           AWS_SHARED_CREDENTIALS_FILE=os.path.join(run_dir, "no-aws-credentials"),
                           JAMDEPLOY__S3__ENDPOINTURL=url, JAMDEPLOY__S3__FORCEPATHSTYLE="true",
                           JAMDEPLOY__S3__REGION="us-east-1")
                stores.append("moto")
            print("\nno-op redeploy in a fresh process: median (min) of "
                  f"{a.runs} runs; cpu = user + system; 1st req = process start to first request")
            print(f"{'site':<10} {'store':<6} {'tool':<4} {'wall s':>13} {'cpu s':>13} {'1st req s':>10} {'requests':>8}")
            for si, (name, folder) in enumerate(sites.items()):
                for store in stores:
                    measured = {i: [] for i in range(len(tools))}
                    for i, t in enumerate(tools):
                        if store == "local":
                            where = os.path.join(run_dir, f"store-{si}-{i}")
                        else:
                            bucket = f"startup-{si}-{i}"
                            peers.http_call("PUT", moto_port, f"/{bucket}")
                            where = f"s3://{bucket}/site"
                        code, *_ , err = run_once([t, "deploy", folder, "--store", where, "-m", "bench"], env, run_dir)
                        if code != 0:
                            sys.exit(f"bench-startup: first deploy failed ({code}): {err[-2000:]}")
                        measured[i].append(where)
                    for r in range(a.runs):
                        order = list(range(len(tools)))
                        if r % 2:
                            order.reverse()
                        for i in order:
                            where = measured[i][0]
                            code, wall, cpu, first, err = run_once(
                                [tools[i], "deploy", folder, "--store", where], env, run_dir, proxy if store == "moto" else None)
                            if code != 0:
                                sys.exit(f"bench-startup: no-op deploy failed ({code}): {err[-2000:]}")
                            reqs = proxy.stats.snapshot()["total"] if store == "moto" else None
                            measured[i].append((wall, cpu, first, reqs))
                    for i in range(len(tools)):
                        rows = measured[i][1:]
                        walls, cpus, firsts = [x[0] for x in rows], [x[1] for x in rows], [x[2] for x in rows]
                        row = dict(site=name, store=store, tool=i, wall_median=round(med(walls), 3), wall_min=round(min(walls), 3),
                                   cpu_median=round(med(cpus), 3), cpu_min=round(min(cpus), 3),
                                   first_request_median=round(med(firsts), 3) if store == "moto" else None,
                                   requests=rows[-1][3])
                        result["startup"].append(row)
                        fr = f"{row['first_request_median']:>10.3f}" if store == "moto" else f"{'':>10}"
                        print(f"{name:<10} {store:<6} [{i}]  {row['wall_median']:>6.3f} ({row['wall_min']:.3f})"
                              f" {row['cpu_median']:>6.3f} ({row['cpu_min']:.3f}) {fr} {row['requests'] or '':>8}", flush=True)

        if "hashing" not in skip:
            print(f"\nhashing in a fresh process (deploy --dry-run to an empty local store, warm page cache): "
                  f"GB/s = 10^9 bytes/s of the 'Hashed' log line, best and median of {a.hash_runs}")
            print(f"{'site':<12} {'files':>6} {'bytes':>11} {'tool':<4} {'best GB/s':>9} {'median':>7} {'GB/cpu-s':>8}"
                  f" {'x cores':>7} {'process cpu s':>13}")
            hash_sites = {"Python docs": ("python", python_html)}
            if "rust" not in skip:
                hash_sites["Rust docs"] = ("rust", peers.prepare_site(work, "rust", deb_timeout=600))
            for name, (key, html) in hash_sites.items():
                folder = os.path.join(run_dir, f"hash-{key}")
                peers.copy_site(html, peers.select_files(html, key, 0), folder)
                warm(folder)
                rates = {i: [] for i in range(len(tools))}
                cpus = {i: [] for i in range(len(tools))}
                per_cpu = {i: [] for i in range(len(tools))}
                files = size = 0
                for r in range(a.hash_runs):
                    order = list(range(len(tools)))
                    if r % 2:
                        order.reverse()
                    for i in order:
                        empty = os.path.join(run_dir, f"empty-{i}")
                        code, wall, cpu, _, err = run_once(
                            [tools[i], "deploy", folder, "--dry-run", "--verbose", "--store", empty], env, run_dir)
                        m = HASHED.search(err)
                        if code != 0 or not m:
                            sys.exit(f"bench-startup: dry run failed ({code}) or logged no 'Hashed' line: {err[-2000:]}")
                        files, size, ms = int(m.group(1)), int(m.group(2)), float(m.group(3))
                        rates[i].append(size / (ms / 1000) / 1e9)
                        cpus[i].append(cpu)
                        if m.group(4):
                            per_cpu[i].append(size / (float(m.group(4)) / 1000) / 1e9)
                for i in range(len(tools)):
                    row = dict(site=name, files=files, bytes=size, tool=i, best_gbps=round(max(rates[i]), 3),
                               median_gbps=round(med(rates[i]), 3), cpu_median=round(med(cpus[i]), 3),
                               gb_per_cpu_second=round(max(per_cpu[i]), 3) if per_cpu[i] else None)
                    result["hashing"].append(row)
                    per = row["gb_per_cpu_second"]
                    cores = f"{per * os.cpu_count():>7.2f}" if per else f"{'-':>7}"
                    print(f"{name:<12} {files:>6} {size:>11} [{i}]  {row['best_gbps']:>9.2f} {row['median_gbps']:>7.2f}"
                          f" {per or float('nan'):>8.2f} {cores} {row['cpu_median']:>13.2f}", flush=True)
    finally:
        if proxy:
            proxy.shutdown()
        peers.cleanup()
    result["load_end"] = load()
    out = a.json_out or os.path.join(work, "bench-startup.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\nload at the end: {result['load_end']}\njson: {out}")


if __name__ == "__main__":
    main()
