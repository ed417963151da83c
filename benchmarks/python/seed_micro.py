#!/usr/bin/env python3
"""The seed's four microbenchmarks, as the seed writes them, on this machine: slicing a 20 MB
chunk out of 100 MB of bytes by copy and by memoryview, and receiving a 1 MB chunk into a 100 MB
cache by recv + rebuild (bytes.join) and by recv_into a memoryview slice of a bytearray, both
through the seed's FakeSocket (the network taken out).

Prints one JSON object: for each case, the seconds per call of each of --repeat timeit runs.
"""
import argparse
import json
import os
import sys
import timeit

MB = 1024 * 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeat', type=int, default=5, help='timeit runs per case')
    parser.add_argument('--scale', type=float, default=1.0, help='multiplies the calls per run')
    args = parser.parse_args()

    video_data = 100 * os.urandom(MB)
    video_view = memoryview(video_data)
    byte_offset = 1234

    class FakeSocket:
        def __init__(self, size):
            self.size = size

        def recv(self, size):
            return video_view[byte_offset: byte_offset + size]

        def recv_into(self, buffer):
            source_data = video_view[byte_offset: byte_offset + self.size]
            buffer[:] = source_data

    slice_size = 20 * MB
    chunk_size = 1 * MB
    fake = FakeSocket(chunk_size)
    video_cache = video_data[:]
    cache_view = memoryview(video_cache)
    write_view = memoryview(bytearray(video_cache))

    def slice_copy():
        return video_data[byte_offset: byte_offset + slice_size]

    def slice_view():
        return video_view[byte_offset: byte_offset + slice_size]

    def recv_then_rebuild():
        chunk = fake.recv(chunk_size)
        before = cache_view[:byte_offset]
        after = cache_view[byte_offset + chunk_size:]
        return b"".join([before, chunk, after])

    def recv_into_slice():
        chunk = write_view[byte_offset: byte_offset + chunk_size]
        fake.recv_into(chunk)

    cases = {
        'slice_copy_20MB': (slice_copy, 50),
        'slice_view_20MB': (slice_view, 200_000),
        'recv_then_rebuild_1MB': (recv_then_rebuild, 10),
        'recv_into_slice_1MB': (recv_into_slice, 2_000),
    }
    results = {}
    for name, (fn, number) in cases.items():
        number = max(1, int(number * args.scale))
        fn()  # warm up once
        totals = timeit.repeat(fn, number=number, repeat=args.repeat)
        results[name] = [total / number for total in totals]
    print(json.dumps({'name': 'python-seed', 'seconds': results, 'python': sys.version.split()[0]}))


if __name__ == '__main__':
    main()
