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
import argparse, datetime, os, random, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import ROOT, FASTKV, enc, median  # noqa: E402
from snapshot_bench import BenchLock, Server, CLIENT_CPU, task_cpu, server_pid, parse_csv  # noqa: E402


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
    d = tempfile.mkdtemp(prefix="fastkv-geobench-")
    try:
        s = Server(kind, d, 1, fastkv=fastkv, extra=["--appendonly", "no"])
        try:
            pid = server_pid(s)
            load(s.port, points)
            cpu0 = sum(task_cpu(pid).values())
            cmd = ["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-r", str(points), "-c", "50",
                   "-P", str(pipeline), "-n", str(requests), "--csv", "geosearch", "geo", "FROMMEMBER", "m:__rand_int__",
                   "BYRADIUS", str(radius_km), "km", "COUNT", "10", "ASC", "WITHDIST"]
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
            cpu = sum(task_cpu(pid).values()) - cpu0
            row = parse_csv(out)
            return {"rps": row["rps"], "p99": row["p99"], "cpu": cpu, "version": s.version}
        finally:
            s.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


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
    servers = a.servers.split(",")
    res = {}
    started = datetime.datetime.now(datetime.timezone.utc)
    for p in [int(x) for x in a.pipelines.split(",")]:
        n = a.requests or (100_000 if p == 1 else 400_000)
        for r in range(a.runs):
            for kind in servers:
                with BenchLock():
                    x = one_run(kind, p, n, a.fastkv, a.points, a.radius_km)
                x["ops_per_cpu"] = n / x["cpu"] if x["cpu"] > 0 else 0
                res.setdefault((kind, p), []).append(x)
                print(f"  P{p} run {r + 1} {kind:9}: {x['rps']:>10.0f} searches/s  {x['ops_per_cpu']:>10.0f} per CPU-s"
                      f"  p99 {x['p99']:.3f} ms", flush=True)
    lines = [f"### Geo: GEOSEARCH FROMMEMBER BYRADIUS {a.radius_km:g} km COUNT 10 ASC WITHDIST over {a.points} points "
             f"({started:%Y-%m-%d}, `python3 perf/geo_bench.py --runs {a.runs}`)", "",
             "Medians. Server on core 0 (FastKv --threads 1), redis-benchmark on core 1, 50 clients.", "",
             "| pipeline | server | searches/s | searches/CPU-s | p99 ms |", "|---|---|---|---|---|"]
    med = {}
    for (kind, p), xs in sorted(res.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        m = {k: median([x[k] for x in xs]) for k in ("rps", "ops_per_cpu", "p99")}
        med[(kind, p)] = m
        lines.append(f"| {p} | {kind} | {m['rps']:.0f} | {m['ops_per_cpu']:.0f} | {m['p99']:.3f} |")
    lines += ["", "| pipeline | measure | ratio |", "|---|---|---|"]
    for p in sorted({k[1] for k in med}):
        for other, name in (("redis7.2", "Redis 7.2.4"), ("redis7.0", "Redis 7.0.15")):
            x, y = med.get(("fastkv", p)), med.get((other, p))
            if x and y and y["ops_per_cpu"]:
                target = " (target >= 1.3x)" if other == "redis7.2" else ""
                lines.append(f"| {p} | FastKv / {name}, searches per CPU-s{target} | {x['ops_per_cpu'] / y['ops_per_cpu']:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
