#!/usr/bin/env python3
"""Geo benchmark of issue 14, side by side with Redis 7.2.4 (and Debian's 7.0.15) on the same core.

GEOSEARCH around a random member of a 100000-point set (points spread over about 160 x 220 km, so a 5 km circle
holds a few hundred candidates), COUNT 10 ASC WITHDIST, through redis-benchmark: 50 clients, pipeline 1 and 16.
Measured: ops/s (redis-benchmark's rps), the server's CPU seconds over the run (utime + stime of every thread, from
/proc), so searches per CPU-second, and the p99. Placement as the other benchmarks: the server on core 0 under
taskset (FastKv --threads 1), redis-benchmark on core 1; every timed run holds flock(/tmp/fastkv-bench.lock).
Target: >= 1.3x Redis 7.2.4's searches per CPU-second at pipeline 16.

  scripts/publish && python3 perf/geo_bench.py [--runs 3] [--points 100000] [--radius-km 5] [--record]
"""
import argparse, datetime, os, random, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import FASTKV, enc  # noqa: E402
from sidebyside import fresh_server, benchmark, run_all, tables, finish  # noqa: E402


def load(port, points):
    """GEOADD of every point, 500 a command, through redis-cli --pipe; members m:<12 digits> as __rand_int__ makes them."""
    rng = random.Random(14)
    chunks = []
    batch = []
    for i in range(points):
        batch += [f"{10 + rng.random() * 2:.6f}", f"{45 + rng.random() * 2:.6f}", f"m:{i:012d}"]
        if len(batch) == 1500:
            chunks.append(enc("GEOADD", "geo", *batch))
            batch = []
    if batch:
        chunks.append(enc("GEOADD", "geo", *batch))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=b"".join(chunks), capture_output=True, check=True)


def one_run(kind, pipeline, requests, fastkv, points, radius_km):
    with fresh_server(kind, fastkv) as s:
        load(s.port, points)
        return {"": benchmark(s, pipeline, requests, points, ["geosearch", "geo", "FROMMEMBER", "m:__rand_int__",
                                                               "BYRADIUS", str(radius_km), "km", "COUNT", "10", "ASC", "WITHDIST"])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=0, help="searches per run (default 100k at P1, 400k at P16)")
    ap.add_argument("--points", type=int, default=100000)
    ap.add_argument("--radius-km", type=float, default=5)
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)
    res = run_all(a.servers.split(","), [int(x) for x in a.pipelines.split(",")], a.runs,
                  lambda p: a.requests or (100_000 if p == 1 else 400_000),
                  lambda kind, p, n: one_run(kind, p, n, a.fastkv, a.points, a.radius_km), "searches")
    lines = [f"### Geo: GEOSEARCH FROMMEMBER BYRADIUS {a.radius_km:g} km COUNT 10 ASC WITHDIST over {a.points} points "
             f"({started:%Y-%m-%d}, `python3 perf/geo_bench.py --runs {a.runs}`)", "",
             "Medians. Server on core 0 (FastKv --threads 1), redis-benchmark on core 1, 50 clients.", ""]
    finish(lines + tables(res, [""], "searches"), a.record)


if __name__ == "__main__":
    main()
