#!/usr/bin/env python3
"""A/B of FastKv binaries (and Redis 7.2.4) on one-key commands, the per-command cost every benchmark shares: per round
and binary a fresh server (FastKv `--threads 1`, core 0), then redis-benchmark on the client core (50 clients, 1000
keys unless --keys) for each workload in turn, filling first where the workload reads; server CPU (every thread) from /proc.
Workloads: set, get, setbit, bitcount, pfadd, pfcount, incr, hset. Rounds alternate binaries; medians of ops per
CPU-second and each one's ratio to the first binary.

Usage: cmd_ab.py RUNS WORKLOAD[,WORKLOAD...] name=binary[,name=binary...] [--pipeline 16] [--requests 1000000];
the binary "redis" runs Redis 7.2.4 (the oracle) instead."""
import argparse, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sidebyside import fresh_server, benchmark, BenchLock  # noqa: E402

# name: (fill commands (redis-benchmark argv, run at P16 for 200k requests) or None, the measured argv)
WORKLOADS = {
    "set": (None, ["set", "key:__rand_int__", "x" * 32]),
    "get": (["set", "key:__rand_int__", "x" * 32], ["get", "key:__rand_int__"]),
    "incr": (None, ["incr", "key:__rand_int__"]),
    "hset": (None, ["hset", "h:__rand_int__", "f", "v"]),
    "setbit": (["setbit", "bm:__rand_int__", "100007", "1"], ["setbit", "bm:__rand_int__", "100007", "1"]),
    "bitcount": (["setbit", "bm:__rand_int__", "100007", "1"], ["bitcount", "bm:__rand_int__"]),
    "pfadd": (None, ["pfadd", "hll:__rand_int__", "e:__rand_int__"]),
    "pfcount": (["pfadd", "hll:__rand_int__", "e:__rand_int__"], ["pfcount", "hll:__rand_int__"]),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=int)
    ap.add_argument("workloads")
    ap.add_argument("bins")
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--keys", type=int, default=1000, help="__rand_int__ below this (fills write 2x as many requests)")
    a = ap.parse_args()
    names = a.workloads.split(",")
    bins = dict(x.split("=", 1) if "=" in x else (x, x) for x in a.bins.split(","))
    res = {}
    for r in range(a.runs):
        for name, b in bins.items():
            kind, binary = ("redis7.2", None) if b == "redis" else ("fastkv", b)
            with fresh_server(kind, binary or "", 1) as s:
                for w in names:
                    fill, argv = WORKLOADS[w]
                    if fill:
                        benchmark(s, 16, max(200000, 2 * a.keys), a.keys, fill)
                    with BenchLock():
                        x = benchmark(s, a.pipeline, a.requests, a.keys, argv)
                    res.setdefault((w, name), []).append(x["ops_per_cpu"])
                    print(f"  {w} run {r + 1} {name}: {x['rps']:.0f}/s {x['ops_per_cpu']:.0f} per CPU-s p99 {x['p99']:.3f} ms",
                          flush=True)
    first = next(iter(bins))
    for w in names:
        med = {n: statistics.median(res[(w, n)]) for n in bins}
        print(f"{w} P{a.pipeline}: " + "  ".join(f"{n} {v:.0f}" for n, v in med.items()) + f" | vs {first}: " +
              " ".join(f"{n} {med[n] / med[first]:.3f}" for n in bins))


if __name__ == "__main__":
    main()
