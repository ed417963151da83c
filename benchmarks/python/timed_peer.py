"""The harness both Python references share: a sender in this process and a receiver in a
second interpreter (the same script, started again with --receive-from PORT), connected over
127.0.0.1 with blocking sockets. Each transfer is timed at the sender from its first byte until
the receiver's one-byte acknowledgement.
"""
import resource
import socket
import subprocess
import sys
import time

ACK = b'\x01'


def cpu_seconds():
    """CPU seconds (user + system) this process has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def acknowledge(connection):
    """Tells the sender that one whole transfer arrived."""
    connection.sendall(ACK)


def timed_transfers(script, receiver_args, warmup, runs, timeout, send_one):
    """Runs warmup + runs transfers of send_one(connection) to a receiver started as
    `python script receiver_args --receive-from PORT`; returns the wall and CPU seconds of
    each measured one. Fails if the receiver fails or closes early; never leaves it running.
    """
    seconds, cpu = [], []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        s.listen(1)
        receiver = subprocess.Popen([sys.executable, script, *receiver_args,
                                     '--receive-from', str(s.getsockname()[1])])
        try:
            c, _ = s.accept()
            with c:
                for i in range(warmup + runs):
                    cpu_start, start = cpu_seconds(), time.perf_counter()
                    send_one(c)
                    if c.recv(1) != ACK:
                        raise EOFError("receiver closed before acknowledging")
                    if i >= warmup:
                        seconds.append(time.perf_counter() - start)
                        cpu.append(cpu_seconds() - cpu_start)
            if receiver.wait(timeout=timeout) != 0:
                sys.exit("receiver failed with exit code %d" % receiver.returncode)
        finally:
            if receiver.poll() is None:
                receiver.kill()
                receiver.wait()
    return seconds, cpu
