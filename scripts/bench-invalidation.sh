#!/usr/bin/env bash
# Invalidation planning: time and CDN path count for sites of 1k–100k files, 0.1–100 % changed.
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet run -c Release bench-invalidation.cs
