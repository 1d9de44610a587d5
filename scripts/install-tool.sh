#!/usr/bin/env bash
# Packs jamdeploy as users get it (the .NET tool packages, deploy/README.md "Install") and installs it into a
# private tool path from that folder alone; prints the installed command. Benchmarks measure this, not the build output.
# Usage: scripts/install-tool.sh <dir>   (<dir>/packages, <dir>/tools; a private NuGet cache keeps stale packages out)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$(mkdir -p "${1:?usage: scripts/install-tool.sh <dir>}" && cd "$1" && pwd)"
rm -rf "$DIR/packages" "$DIR/tools" "$DIR/nuget-cache"
# A Native AOT tool is packed once per package: the package users name (it only points to the others), the portable
# one (`any`, on the .NET runtime) and linux-x64, compiled ahead of time on this machine.
for rid in "" any linux-x64; do
  timeout 1200 dotnet pack src/Jamdeploy.Cli -c Release ${rid:+-r "$rid"} -o "$DIR/packages" -nologo -clp:ErrorsOnly >&2
done
cat > "$DIR/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$DIR/packages" /></packageSources></configuration>
CONFIG
NUGET_PACKAGES="$DIR/nuget-cache" timeout 600 dotnet tool install Jamdeploy --tool-path "$DIR/tools" \
  --configfile "$DIR/nuget.config" >&2
echo "$DIR/tools/jamdeploy"
