#!/usr/bin/env python3
"""The seed's recipe, measured: send_from / recv_into of a numpy array of 50,000,000 doubles
(400 MB) over a loopback TCP connection on 127.0.0.1 between two processes, as in the seed (a
server that sends, a client in another interpreter that receives), with blocking sockets.

Prints one JSON object: the bytes per transfer and the seconds of each measured transfer, timed
at the sender from the first send until the receiver's one-byte acknowledgement, after --warmup
discarded transfers. The receive array is written once before the first transfer, so its pages
are touched (receiving into never-touched memory costs ~10 us per 4 KiB page on this machine).
The receiver checks the array's content after the last transfer. SIGALRM bounds each process's
whole run (--timeout), so a stalled transfer ends the script instead of hanging it.
"""
import argparse
import importlib.util
import json
import pathlib
import signal
import socket
import sys

import numpy

from timed_peer import acknowledge, timed_transfers


def _samples_recipe():
    """The recipe's send_from/recv_into live once, in samples/python/recipe.py."""
    path = pathlib.Path(__file__).resolve().parents[2] / "samples" / "python" / "recipe.py"
    spec = importlib.util.spec_from_file_location("samples_recipe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_recipe = _samples_recipe()
send_from = _recipe.send_from
recv_into = _recipe.recv_into


def receive(port, doubles, transfers):
    a = numpy.zeros(shape=doubles, dtype=float)
    a.fill(1.0)  # touch every page before the first transfer
    with socket.create_connection(('127.0.0.1', port)) as c:
        for _ in range(transfers):
            recv_into(a, c)
            acknowledge(c)
    expected = numpy.arange(0.0, float(doubles))
    if not numpy.array_equal(a, expected):
        sys.exit("received array differs from numpy.arange(0.0, %d)" % doubles)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--bytes', type=int, default=400_000_000, help='bytes per transfer (a multiple of 8)')
    parser.add_argument('--warmup', type=int, default=1, help='discarded transfers first')
    parser.add_argument('--runs', type=int, default=5, help='measured transfers')
    parser.add_argument('--timeout', type=int, default=300, help='seconds the whole run may take')
    parser.add_argument('--receive-from', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bytes % 8:
        parser.error(f"--bytes must be a multiple of 8, was {args.bytes}")
    signal.alarm(args.timeout)
    doubles = args.bytes // 8
    transfers = args.warmup + args.runs
    if args.receive_from is not None:
        receive(args.receive_from, doubles, transfers)
        return

    a = numpy.arange(0.0, float(doubles))
    seconds, _ = timed_transfers(__file__, ['--bytes', str(args.bytes), '--warmup', str(args.warmup),
                                            '--runs', str(args.runs), '--timeout', str(args.timeout)],
                                 args.warmup, args.runs, args.timeout, lambda c: send_from(a, c))
    print(json.dumps({
        'name': 'python-recipe',
        'bytes': args.bytes,
        'seconds': seconds,
        'python': sys.version.split()[0],
        'numpy': numpy.__version__,
    }))


if __name__ == '__main__':
    main()
