#!/usr/bin/env python3
"""Python's socket.sendfile of a whole page-cached file over a loopback TCP connection on
127.0.0.1, to a receiver in another process that drains it with recv_into a reused 1 MiB
bytearray. Blocking sockets, as the seed's recipe uses.

Prints one JSON object: the file's size, the seconds of each measured transfer (timed at the
sender from the call until the receiver's one-byte acknowledgement) and the sender process's
CPU seconds for each, after --warmup discarded transfers. The file is read through once first,
so it is in the page cache. SIGALRM bounds each process's whole run (--timeout).
"""
import argparse
import json
import os
import signal
import socket
import sys

from timed_peer import acknowledge, timed_transfers

CHUNK = 1 << 20


def receive(port, size, transfers):
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with socket.create_connection(('127.0.0.1', port)) as c:
        for _ in range(transfers):
            left = size
            while left:
                n = c.recv_into(view[:min(left, CHUNK)])
                if n == 0:
                    sys.exit(f"stream ended with {left} of {size} bytes to go")
                left -= n
            acknowledge(c)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--file', required=True, help='the file to send')
    parser.add_argument('--warmup', type=int, default=1, help='discarded transfers first')
    parser.add_argument('--runs', type=int, default=5, help='measured transfers')
    parser.add_argument('--timeout', type=int, default=300, help='seconds the whole run may take')
    parser.add_argument('--receive-from', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    signal.alarm(args.timeout)
    size = os.path.getsize(args.file)
    transfers = args.warmup + args.runs
    if args.receive_from is not None:
        receive(args.receive_from, size, transfers)
        return

    with open(args.file, 'rb') as f:
        buffer = bytearray(CHUNK)
        while f.readinto(buffer):
            pass

        def send_one(c):
            sent = c.sendfile(f, 0, size)
            if sent != size:
                sys.exit(f"sendfile sent {sent} of {size} bytes")

        seconds, cpu = timed_transfers(__file__, ['--file', args.file, '--warmup', str(args.warmup),
                                                  '--runs', str(args.runs), '--timeout', str(args.timeout)],
                                       args.warmup, args.runs, args.timeout, send_one)
    print(json.dumps({
        'name': 'python-sendfile',
        'bytes': size,
        'seconds': seconds,
        'senderCpuSeconds': cpu,
        'python': sys.version.split()[0],
    }))


if __name__ == '__main__':
    main()
