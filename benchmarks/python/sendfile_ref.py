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
import resource
import signal
import socket
import subprocess
import sys
import time

CHUNK = 1 << 20


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
            c.sendall(b'\x01')


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
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(('127.0.0.1', 0))
            s.listen(1)
            receiver = subprocess.Popen([sys.executable, __file__, '--file', args.file,
                                         '--warmup', str(args.warmup), '--runs', str(args.runs),
                                         '--timeout', str(args.timeout),
                                         '--receive-from', str(s.getsockname()[1])])
            try:
                c, _ = s.accept()
                seconds, cpu = [], []
                with c:
                    for i in range(transfers):
                        cpu_start, start = cpu_seconds(), time.perf_counter()
                        sent = c.sendfile(f, 0, size)
                        if sent != size:
                            sys.exit(f"sendfile sent {sent} of {size} bytes")
                        if c.recv(1) != b'\x01':
                            raise EOFError("receiver closed before acknowledging")
                        if i >= args.warmup:
                            seconds.append(time.perf_counter() - start)
                            cpu.append(cpu_seconds() - cpu_start)
                if receiver.wait(timeout=args.timeout) != 0:
                    sys.exit("receiver failed with exit code %d" % receiver.returncode)
            finally:
                if receiver.poll() is None:
                    receiver.kill()
                    receiver.wait()
    print(json.dumps({
        'name': 'python-sendfile',
        'bytes': size,
        'seconds': seconds,
        'senderCpuSeconds': cpu,
        'python': sys.version.split()[0],
    }))


if __name__ == '__main__':
    main()
