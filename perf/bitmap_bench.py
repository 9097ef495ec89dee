#!/usr/bin/env python3
"""Bitmap benchmark of issue 14, side by side with Redis 7.2.4 (and Debian's 7.0.15) on the same core.

Through redis-benchmark, 50 clients, on one server per run: first SETBIT bm:<random of 1000> 100007 1 (every key
grows to a 12.5 KB bitmap on its first hit, then sets the same bit again), then BITCOUNT bm:<random of 1000> over
those bitmaps (12.5 KB of popcount per call), at pipeline 1 and 16. redis-benchmark's __rand_int__ is zero-padded,
which an offset may not be, so the randomness is in the key. Measured per command: ops/s (redis-benchmark's rps),
the server's CPU seconds over that command's run (utime + stime of every thread, from /proc), so ops per CPU-second,
and the p99. Placement as the other benchmarks: the server on core 0 under taskset (FastKv --threads 1),
redis-benchmark on core 1; every timed run holds flock(/tmp/fastkv-bench.lock). Target: >= 1.3x Redis 7.2.4's ops
per CPU-second at pipeline 16.

  scripts/publish && python3 perf/bitmap_bench.py [--runs 3] [--threads 1|2] [--record]
"""
import argparse, datetime, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import FASTKV  # noqa: E402
from sidebyside import fresh_server, benchmark, run_all, tables, finish  # noqa: E402

KEYS = 1000
# Each measured command: redis-benchmark's arguments after the options. SETBIT runs first and fills the keys BITCOUNT reads.
COMMANDS = [
    ("SETBIT", ["setbit", "bm:__rand_int__", "100007", "1"]),
    ("BITCOUNT", ["bitcount", "bm:__rand_int__"]),
]


def one_run(kind, pipeline, requests, fastkv, threads=1):
    """Both commands on one fresh server, in order; returns {command: measures}."""
    with fresh_server(kind, fastkv, threads) as s:
        return {name: benchmark(s, pipeline, requests, KEYS, argv) for name, argv in COMMANDS}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=0, help="calls per command and run (default 200k at P1, 1M at P16)")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--threads", type=int, default=1, help="FastKv's --threads (2: both cores, the client shares one)")
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)
    res = run_all(a.servers.split(","), [int(x) for x in a.pipelines.split(",")], a.runs,
                  lambda p: a.requests or (200_000 if p == 1 else 1_000_000),
                  lambda kind, p, n: one_run(kind, p, n, a.fastkv, a.threads), "ops")
    opts = f" --threads {a.threads}" if a.threads != 1 else ""
    lines = [f"### Bitmaps: SETBIT, BITCOUNT ({started:%Y-%m-%d}, `python3 perf/bitmap_bench.py --runs {a.runs}{opts}`)", "",
             f"Medians. Server on cores {'0' if a.threads == 1 else '0,1'} (FastKv --threads {a.threads}, Redis on core 0), "
             f"redis-benchmark on core 1, 50 clients, {KEYS} bitmaps of 12.5 KB.", ""]
    finish(lines + tables(res, [name for name, _ in COMMANDS], "ops"), a.record)


if __name__ == "__main__":
    main()
