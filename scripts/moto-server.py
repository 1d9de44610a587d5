#!/usr/bin/env python3
"""moto_server, as the tests start it: the same emulator and arguments (-H HOST -p PORT), with one lookup made once
instead of on every request. (The benchmarks start plain moto_server, so their figures stay comparable across runs.)

moto decides which of its services a request is for by listing its own package directory, twice per request: a
listdir and ~180 stats, about a third of its CPU for a small S3 request (measured in process: 600 PUTs and GETs,
2.50 s -> 1.56 s). The directory does not change while the server runs. The suite is bound by CPU, moto's included,
so the list is read once here. Nothing an S3 request sees changes.
"""
import os
import sys

try:
    import moto.backends as backends
except ImportError:
    # moto installed for another Python than this python3: its own command, unchanged.
    os.execvp("moto_server", ["moto_server", *sys.argv[1:]])

if hasattr(backends, "list_of_moto_modules"):
    _modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: _modules

from moto.server import main

main()
