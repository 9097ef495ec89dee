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
import argparse, datetime, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import ROOT, FASTKV, median  # noqa: E402
from snapshot_bench import BenchLock, Server, CLIENT_CPU, task_cpu, server_pid, parse_csv  # noqa: E402

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
    d = tempfile.mkdtemp(prefix="fastkv-hllbench-")
    try:
        s = Server(kind, d, 1, fastkv=fastkv, extra=["--appendonly", "no"])
        try:
            pid = server_pid(s)
            if op != "pfadd":
                fill(s.port)
            cpu0 = sum(task_cpu(pid).values())
            cmd = ["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-r", str(KEYS), "-c", "50",
                   "-P", str(pipeline), "-n", str(requests), "--csv"] + OPS[op]
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
    ap.add_argument("--requests", type=int, default=0, help="commands per run (default 200k at P1, 1M at P16)")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--ops", default="pfadd,pfcount,pfcount-many")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    servers, ops = a.servers.split(","), a.ops.split(",")
    res = {}
    started = datetime.datetime.now(datetime.timezone.utc)
    for op in ops:
        for p in [int(x) for x in a.pipelines.split(",")]:
            n = a.requests or (200_000 if p == 1 else 1_000_000)
            for r in range(a.runs):
                for kind in servers:
                    with BenchLock():
                        x = one_run(kind, op, p, n, a.fastkv)
                    x["ops_per_cpu"] = n / x["cpu"] if x["cpu"] > 0 else 0
                    res.setdefault((op, kind, p), []).append(x)
                    print(f"  {op} P{p} run {r + 1} {kind:9}: {x['rps']:>10.0f} ops/s  {x['ops_per_cpu']:>10.0f} per CPU-s"
                          f"  p99 {x['p99']:.3f} ms", flush=True)
    lines = [f"### HyperLogLog: {', '.join(ops)} ({started:%Y-%m-%d}, `python3 perf/hll_bench.py --runs {a.runs}`)", "",
             f"Medians. Server on core 0 (FastKv --threads 1), redis-benchmark on core 1, 50 clients, {KEYS} sketches.", "",
             "| op | pipeline | server | ops/s | ops/CPU-s | p99 ms |", "|---|---|---|---|---|---|"]
    med = {}
    for (op, kind, p), xs in sorted(res.items(), key=lambda kv: (ops.index(kv[0][0]), kv[0][2], kv[0][1])):
        m = {k: median([x[k] for x in xs]) for k in ("rps", "ops_per_cpu", "p99")}
        med[(op, kind, p)] = m
        lines.append(f"| {op} | {p} | {kind} | {m['rps']:.0f} | {m['ops_per_cpu']:.0f} | {m['p99']:.3f} |")
    lines += ["", "| op | pipeline | measure | ratio |", "|---|---|---|---|"]
    for op in ops:
        for p in sorted({k[2] for k in med}):
            for other, name in (("redis7.2", "Redis 7.2.4"), ("redis7.0", "Redis 7.0.15")):
                x, y = med.get((op, "fastkv", p)), med.get((op, other, p))
                if x and y and y["ops_per_cpu"]:
                    target = " (target >= 1.3x at P16)" if other == "redis7.2" else ""
                    lines.append(f"| {op} | {p} | FastKv / {name}, ops per CPU-s{target} | {x['ops_per_cpu'] / y['ops_per_cpu']:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
