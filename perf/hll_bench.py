#!/usr/bin/env python3
"""HyperLogLog benchmark of issue 14, side by side with Redis 7.2.4 (and Debian's 7.0.15) on the same core.

Through redis-benchmark, 50 clients, 1000 sketches hll:<random of 1000>, pipeline 1 and 16:
  pfadd        PFADD hll:<r> e:<r>           elements of 1000: sketches grow sparse, some cross into dense
  pfcount      PFCOUNT hll:<r>               after a fill of every sketch: the first count of each is computed,
                                             the rest come from the cache
  pfcount-many PFCOUNT hll:<r> hll:<r>       the union of two: merged and estimated every time (no cache)
Measured as script_bench.py: ops/s (redis-benchmark's rps), the server's CPU seconds over the run (utime + stime of
every thread, from /proc), so ops per CPU-second, and the p99. The server on core 0 under taskset (FastKv --threads 1),
redis-benchmark on core 1; every timed run holds flock(/tmp/fastkv-bench.lock). Target: >= 1.3x Redis 7.2.4's ops per
CPU-second at pipeline 16.

  scripts/publish && python3 perf/hll_bench.py [--runs 3] [--ops pfadd,pfcount,pfcount-many] [--record]
"""
import argparse, datetime, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import FASTKV  # noqa: E402
from sidebyside import fresh_server, benchmark, run_all, tables, finish  # noqa: E402

KEYS = 1000
OPS = {
    "pfadd": ["pfadd", "hll:__rand_int__", "e:__rand_int__"],
    "pfcount": ["pfcount", "hll:__rand_int__"],
    "pfcount-many": ["pfcount", "hll:__rand_int__", "hll:__rand_int__"],
}


def fill(port):
    """Every sketch gets 1000 random adds of 1000 elements (untimed), as the pfadd run leaves them."""
    subprocess.run(["redis-benchmark", "-p", str(port), "-r", str(KEYS), "-c", "50", "-P", "16", "-n", str(KEYS * 1000),
                    "-q"] + OPS["pfadd"], capture_output=True, text=True, timeout=900, check=True)


def one_run(kind, op, pipeline, requests, fastkv):
    with fresh_server(kind, fastkv) as s:
        if op != "pfadd":
            fill(s.port)
        return {op: benchmark(s, pipeline, requests, KEYS, OPS[op])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=0, help="commands per run (default 200k at P1, 1M at P16)")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--ops", default="pfadd,pfcount,pfcount-many")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    ops = a.ops.split(",")
    started = datetime.datetime.now(datetime.timezone.utc)
    res = {}
    for op in ops:
        run_all(a.servers.split(","), [int(x) for x in a.pipelines.split(",")], a.runs,
                lambda p: a.requests or (200_000 if p == 1 else 1_000_000),
                lambda kind, p, n, op=op: one_run(kind, op, p, n, a.fastkv), "ops", res)
    lines = [f"### HyperLogLog: {', '.join(ops)} ({started:%Y-%m-%d}, `python3 perf/hll_bench.py --runs {a.runs}`)", "",
             f"Medians. Server on core 0 (FastKv --threads 1), redis-benchmark on core 1, 50 clients, {KEYS} sketches.", ""]
    finish(lines + tables(res, ops, "ops", label="op"), a.record)


if __name__ == "__main__":
    main()
