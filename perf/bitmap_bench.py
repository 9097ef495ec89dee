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
import argparse, datetime, os, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import ROOT, FASTKV, median  # noqa: E402
from snapshot_bench import BenchLock, Server, CLIENT_CPU, task_cpu, server_pid, parse_csv  # noqa: E402

KEYS = 1000
# Each measured command: redis-benchmark's arguments after the options. SETBIT runs first and fills the keys BITCOUNT reads.
COMMANDS = [
    ("SETBIT", ["setbit", "bm:__rand_int__", "100007", "1"]),
    ("BITCOUNT", ["bitcount", "bm:__rand_int__"]),
]


def one_run(kind, pipeline, requests, fastkv, threads=1):
    """Both commands on one fresh server; returns {command: measures}."""
    d = tempfile.mkdtemp(prefix="fastkv-bitmapbench-")
    try:
        s = Server(kind, d, threads if kind == "fastkv" else 1, fastkv=fastkv, extra=["--appendonly", "no"])
        try:
            pid = server_pid(s)
            out = {}
            for name, argv in COMMANDS:
                cpu0 = sum(task_cpu(pid).values())
                cmd = ["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-r", str(KEYS), "-c", "50",
                       "-P", str(pipeline), "-n", str(requests), "--csv"] + argv
                text = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
                cpu = sum(task_cpu(pid).values()) - cpu0
                row = parse_csv(text)
                out[name] = {"rps": row["rps"], "p99": row["p99"], "cpu": cpu, "version": s.version,
                             "ops_per_cpu": requests / cpu if cpu > 0 else 0}
            return out
        finally:
            s.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


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
    servers = a.servers.split(",")
    res = {}
    started = datetime.datetime.now(datetime.timezone.utc)
    for p in [int(x) for x in a.pipelines.split(",")]:
        n = a.requests or (200_000 if p == 1 else 1_000_000)
        for r in range(a.runs):
            for kind in servers:
                with BenchLock():
                    xs = one_run(kind, p, n, a.fastkv, a.threads)
                for name, x in xs.items():
                    res.setdefault((name, kind, p), []).append(x)
                    print(f"  P{p} run {r + 1} {name:8} {kind:9}: {x['rps']:>10.0f} ops/s  {x['ops_per_cpu']:>10.0f} per CPU-s"
                          f"  p99 {x['p99']:.3f} ms", flush=True)
    opts = f" --threads {a.threads}" if a.threads != 1 else ""
    lines = [f"### Bitmaps: SETBIT, BITCOUNT ({started:%Y-%m-%d}, `python3 perf/bitmap_bench.py --runs {a.runs}{opts}`)", "",
             f"Medians. Server on cores {'0' if a.threads == 1 else '0,1'} (FastKv --threads {a.threads}, Redis on core 0), "
             f"redis-benchmark on core 1, 50 clients, {KEYS} bitmaps of 12.5 KB.", "",
             "| command | pipeline | server | ops/s | ops/CPU-s | p99 ms |", "|---|---|---|---|---|---|"]
    med = {}
    for (name, kind, p), xs in sorted(res.items(), key=lambda kv: (kv[0][0] != "SETBIT", kv[0][2], kv[0][1])):
        m = {k: median([x[k] for x in xs]) for k in ("rps", "ops_per_cpu", "p99")}
        med[(name, kind, p)] = m
        lines.append(f"| {name} | {p} | {kind} | {m['rps']:.0f} | {m['ops_per_cpu']:.0f} | {m['p99']:.3f} |")
    lines += ["", "| command | pipeline | measure | ratio |", "|---|---|---|---|"]
    for name, _ in COMMANDS:
        for p in sorted({k[2] for k in med}):
            for other, label in (("redis7.2", "Redis 7.2.4"), ("redis7.0", "Redis 7.0.15")):
                x, y = med.get((name, "fastkv", p)), med.get((name, other, p))
                if x and y and y["ops_per_cpu"]:
                    target = " (target >= 1.3x)" if other == "redis7.2" and p == 16 else ""
                    lines.append(f"| {name} | {p} | FastKv / {label}, ops per CPU-s{target} | {x['ops_per_cpu'] / y['ops_per_cpu']:.2f}x |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
