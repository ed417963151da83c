#!/usr/bin/env python3
"""The cookbook recipe's server and client, to run against `arrays fetch` and `arrays serve`.

    python3 samples/python/recipe.py serve [--port 25000] [--count 50000000]
    python3 samples/python/recipe.py fetch [--host 127.0.0.1] [--port 25000] [--count 50000000]

Both move numpy.arange(0.0, count) as float64 in native byte order with no header,
exactly as the recipe does; the receiver must be told the same count as the sender.
`serve` prints "listening on HOST:PORT" once it listens (port 0 picks a free port),
serves one client and exits. `fetch` prints a[0:10], a[-1], the byte count, the time
and GiB/s, and exits with status 1 if the array is not arange(0.0, count).
"""
import argparse
import socket
import sys
import time

import numpy


def send_from(arr, dest):
    view = memoryview(arr).cast('B')
    while len(view):
        nsent = dest.send(view)
        view = view[nsent:]


def recv_into(arr, source):
    view = memoryview(arr).cast('B')
    total = len(view)
    while len(view):
        nrecv = source.recv_into(view)
        if nrecv == 0:
            # The recipe as printed loops forever here: recv_into returns 0 at end of stream.
            raise EOFError(f"the peer closed after {total - len(view)} of {total} bytes")
        view = view[nrecv:]


def serve(args):
    a = numpy.arange(0.0, float(args.count))
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.host, args.port))
    s.listen(1)
    print(f"listening on {args.host}:{s.getsockname()[1]}", flush=True)
    c, addr = s.accept()
    start = time.perf_counter()
    send_from(a, c)
    seconds = time.perf_counter() - start
    c.close()
    s.close()
    print(f"sent {a.nbytes:,} bytes to {addr[0]}:{addr[1]} in {seconds:.3f} s: "
          f"{a.nbytes / seconds / 2**30:.2f} GiB/s", flush=True)


def fetch(args):
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.connect((args.host, args.port))
    a = numpy.zeros(shape=args.count, dtype=float)
    # numpy.zeros gets lazily mapped zero pages from calloc; writing them now keeps a page
    # fault per 4 KiB out of recv_into (about 15x slower here without it). Not timed.
    a.fill(0.0)
    start = time.perf_counter()
    recv_into(a, c)
    seconds = time.perf_counter() - start
    c.close()
    print(f"a[0:10] = {a[0:10]}")
    print(f"a[-1] = {a[-1]}")
    print(f"received {a.nbytes:,} bytes in {seconds:.3f} s: {a.nbytes / seconds / 2**30:.2f} GiB/s")
    if not numpy.array_equal(a, numpy.arange(0.0, float(args.count))):
        bad = int(numpy.flatnonzero(a != numpy.arange(0.0, float(args.count)))[0])
        print(f"mismatch: a[{bad}] = {a[bad]}, expected {float(bad)}", file=sys.stderr)
        return 1
    print(f"checked: a[i] == i for all {args.count:,} doubles")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "fetch"):
        command = commands.add_parser(name)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=25000)
        command.add_argument("--count", type=int, default=50_000_000)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args)
        return 0
    return fetch(args)


if __name__ == "__main__":
    sys.exit(main())
