#!/usr/bin/env bash
# The whole test suite: builds once, then runs every test project (moto_server is started by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Jamstack.sln -c Release -nologo -clp:ErrorsOnly
dotnet test Jamstack.sln -c Release --no-build -nologo --logger "console;verbosity=minimal" "$@"
