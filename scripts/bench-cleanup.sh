#!/usr/bin/env bash
# Cleanup and verify benchmark on the local store, through the real CLI.
# Builds a history of RELEASES deploys of a FILES-file site, each changing 1% of the files, plus the
# ORPHANS blobs of an abandoned deploy; then times `cleanup --dry-run`, `cleanup` (keep the newest 5),
# `verify --all` and `verify --all --deep`, and prints objects deleted per second and hashing MB/s.
# Usage: scripts/bench-cleanup.sh [work-dir]   (env: RELEASES=30 FILES=2000 ORPHANS=5000)
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASES=${RELEASES:-30}
FILES=${FILES:-2000}
ORPHANS=${ORPHANS:-5000}
WORK=${1:-$(mktemp -d -t jamdeploy-bench-cleanup-XXXXXX)}
STORE="$WORK/store"
trap 'rm -rf "$WORK"' EXIT

dotnet build src/Jamdeploy.Cli -c Release -nologo -clp:ErrorsOnly -o "$WORK/bin" >/dev/null
jamdeploy() { CI=true dotnet "$WORK/bin/jamdeploy.dll" "$@" --store "$STORE"; }
now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# One site folder; release r rewrites files r, r+100, r+200, … (1%).
python3 - "$WORK/site" "$FILES" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
for i in range(n):
    path = os.path.join(root, f"d{i % 40}", f"f{i}.html")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(rnd.randbytes(rnd.randint(2_000, 20_000)))
PY
echo "history: $RELEASES releases of $FILES files (1% changed each), then $ORPHANS orphan blobs"
for r in $(seq 1 "$RELEASES"); do
  python3 - "$WORK/site" "$FILES" "$r" <<'PY'
import os, sys
root, n, r = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(r % 100, n, 100):
    with open(os.path.join(root, f"d{i % 40}", f"f{i}.html"), "ab") as f:
        f.write(f"<!-- release {r} -->".encode())
PY
  jamdeploy deploy "$WORK/site" -m "release $r" >/dev/null
done
# An abandoned deploy: its blobs are stored, its manifest is not.
python3 - "$WORK/orphans" "$ORPHANS" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
for i in range(n):
    with open(os.path.join(root, f"o{i}.txt"), "w") as f:
        f.write(f"abandoned {i}")
PY
staged=$(jamdeploy deploy "$WORK/orphans" --no-promote --json | python3 -c "import json,sys; print(json.load(sys.stdin)['release'])")
rm "$STORE/releases/$staged.json"

blobs_before=$(ls "$STORE/blobs" | wc -l)
rules=(--keep-last 5 --keep-for 0 --grace-period 0)

t0=$(now); jamdeploy cleanup "${rules[@]}" --dry-run >/dev/null; t1=$(now)
plan=$(seconds "$t0" "$t1")
t0=$(now); jamdeploy cleanup "${rules[@]}" --json > "$WORK/cleanup.json"; t1=$(now)
run=$(seconds "$t0" "$t1")
deleted=$(python3 -c "import json; d=json.load(open('$WORK/cleanup.json'))['deleted']; print(d['releases'] + d['blobs'])")
t0=$(now); jamdeploy verify --all >/dev/null; t1=$(now)
shallow=$(seconds "$t0" "$t1")
t0=$(now); jamdeploy verify --all --deep --json > "$WORK/verify.json"; t1=$(now)
deep=$(seconds "$t0" "$t1")
hashed=$(python3 -c "import json; print(json.load(open('$WORK/verify.json'))['bytesHashed'])")

echo "store before cleanup: $((RELEASES)) releases, $blobs_before blobs"
echo "cleanup --dry-run:      ${plan} s"
echo "cleanup:                ${run} s, deleted $deleted objects = $(python3 -c "print(f'{$deleted / $run:.0f}')") objects/s (process start included)"
echo "verify --all:           ${shallow} s"
echo "verify --all --deep:    ${deep} s, hashed $(python3 -c "print(f'{$hashed / 1e6:.1f}')") MB = $(python3 -c "print(f'{$hashed / 1e6 / $deep:.0f}')") MB/s"
echo "ratio cleanup / dry run: $(python3 -c "print(f'{$run / $plan:.2f}')")x"
