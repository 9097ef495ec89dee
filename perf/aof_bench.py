#!/usr/bin/env python3
"""AOF benchmarks of issue 12 (persistence design section 7), side by side with Redis 7.2.4 and Debian's
redis-server 7.0.15 on the same core.

For each server and AOF setting: redis-benchmark -t set, 50 clients, -r 100000 -d 100, pipeline 1 and 16, on an
empty server with the AOF directory in a fresh temp dir (the same disk for every server). Measured: ops/s
(redis-benchmark's rps), the server's CPU seconds over the run (utime + stime of the process, from /proc), so
ops per CPU-second, and redis-benchmark's p99. Settings: appendonly no, appendfsync everysec, appendfsync always.

Placement: the server on core 0 under taskset (FastKv --threads 1, so all its threads, the AOF fsync thread
included, share that core as Redis's bio threads do), redis-benchmark on core 1. Every timed run holds
flock(/tmp/fastkv-bench.lock).

Targets (persistence design 7): everysec ops/CPU-s >= 1.3x Redis everysec, and >= 0.9x FastKv with the AOF off;
always ops/s >= 1.0x Redis always, p99 <= Redis's.

  flock is taken inside; run as:  scripts/publish && python3 perf/aof_bench.py [--runs 3] [--record]
  quick check:                     python3 perf/aof_bench.py --runs 1 --requests 100000
"""
import argparse, datetime, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import ROOT, FASTKV, median  # noqa: E402
from snapshot_bench import BenchLock, Server, CLIENT_CPU, process_cpu, server_pid, parse_csv  # noqa: E402

SETTINGS = {"off": ["--appendonly", "no"],
            "everysec": ["--appendonly", "yes", "--appendfsync", "everysec"],
            # everysec without automatic rewrites: what the log alone costs, apart from the rewrites it triggers
            "everysec-norw": ["--appendonly", "yes", "--appendfsync", "everysec", "--auto-aof-rewrite-percentage", "0"],
            "always": ["--appendonly", "yes", "--appendfsync", "always"]}


def server_cpu(pid):
    """The server process's CPU seconds, exited threads (FastKv's snapshot writers) and reaped children (Redis's
    rewrite forks, which do the work FastKv's rewrite does on its own threads) included; a child still running at
    the end is not counted."""
    return process_cpu(pid, children=True)


def rewrites(port):
    """aof_rewrites from INFO persistence (0 when the server has no such field)."""
    out = subprocess.run(["redis-cli", "-p", str(port), "info", "persistence"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("aof_rewrites:"):
            return int(line.split(":")[1])
    return 0


def one_run(kind, setting, pipeline, requests, fastkv):
    d = tempfile.mkdtemp(prefix="fastkv-aofbench-", dir=os.environ.get("AOF_BENCH_DIR"))
    try:
        s = Server(kind, d, 1, fastkv=fastkv, extra=SETTINGS[setting])
        try:
            pid = server_pid(s)
            cpu0 = server_cpu(pid)
            cmd = ["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-t", "set", "-r", "100000",
                   "-d", "100", "-c", "50", "-P", str(pipeline), "-n", str(requests), "--csv"]
            t0 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
            wall = time.perf_counter() - t0
            cpu = server_cpu(pid) - cpu0
            rw = rewrites(s.port)
            row = parse_csv(out)
            aof_bytes = 0
            for root, _, files in os.walk(d):
                aof_bytes += sum(os.path.getsize(os.path.join(root, f)) for f in files if ".aof" in f)
            return {"rps": row["rps"], "p99": row["p99"], "max": row["max"], "cpu": cpu, "rewrites": rw,
                    "wall": wall, "aof_bytes": aof_bytes, "version": s.version}
        finally:
            s.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=0, help="SETs per run (default 400k at P1, 2M at P16)")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--settings", default="off,everysec,always")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    servers, settings = a.servers.split(","), a.settings.split(",")
    res = {}
    started = datetime.datetime.now(datetime.timezone.utc)
    for p in [int(x) for x in a.pipelines.split(",")]:
        n = a.requests or (400_000 if p == 1 else 2_000_000)
        for r in range(a.runs):
            # Interleaved, so a noisy moment of the shared machine hits every configuration alike.
            for kind in servers:
                for st in settings:
                    with BenchLock():
                        x = one_run(kind, st, p, n, a.fastkv)
                    x["ops_per_cpu"] = n / x["cpu"] if x["cpu"] > 0 else 0
                    res.setdefault((kind, st, p), []).append(x)
                    print(f"  P{p} run {r + 1} {kind:9} {st:8}: {x['rps']:>10.0f} ops/s  {x['ops_per_cpu']:>10.0f} ops/CPU-s"
                          f"  p99 {x['p99']:.3f} ms  max {x['max']:.1f} ms  aof {x['aof_bytes'] >> 20} MiB  rewrites {x['rewrites']}", flush=True)
    lines = [f"### AOF: SET throughput per setting ({started:%Y-%m-%d}, `python3 perf/aof_bench.py --runs {a.runs}`)", "",
             "Medians. Server on core 0 (FastKv --threads 1), redis-benchmark on core 1, 50 clients, -r 100000 -d 100. "
             "CPU: the server process (every thread, exited ones too) plus reaped children (Redis's rewrite forks). "
             "Max: the slowest request of the run (rewrites included).", "",
             "| pipeline | server | appendfsync | ops/s | ops/CPU-s | p99 ms | max ms |", "|---|---|---|---|---|---|---|"]
    med = {}
    for (kind, st, p), xs in sorted(res.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        m = {k: median([x[k] for x in xs]) for k in ("rps", "ops_per_cpu", "p99", "max")}
        med[(kind, st, p)] = m
        lines.append(f"| {p} | {kind} | {st} | {m['rps']:.0f} | {m['ops_per_cpu']:.0f} | {m['p99']:.3f} | {m['max']:.1f} |")
    lines += ["", "| pipeline | measure | ratio |", "|---|---|---|"]

    def paired(setting, p):
        """FastKv's setting against FastKv off run by run (the runs interleave, so each pair shares the machine's
        moment), then the median: steadier than the ratio of two medians on a noisy machine."""
        xs, offs = res.get(("fastkv", setting, p)), res.get(("fastkv", "off", p))
        if not xs or not offs:
            return "n/a"
        return f"{median([x['ops_per_cpu'] / o['ops_per_cpu'] for x, o in zip(xs, offs) if o['ops_per_cpu']]):.2f}x"

    for p in sorted({k[2] for k in med}):
        def r(k1, k2, f):
            x, y = med.get(k1), med.get(k2)
            return f"{x[f] / y[f]:.2f}x" if x and y and y[f] else "n/a"
        lines.append(f"| {p} | FastKv everysec / Redis 7.2.4 everysec, ops/CPU-s (target >= 1.3x) | {r(('fastkv', 'everysec', p), ('redis7.2', 'everysec', p), 'ops_per_cpu')} |")
        lines.append(f"| {p} | FastKv everysec / FastKv off, ops/CPU-s (target >= 0.9x) | {r(('fastkv', 'everysec', p), ('fastkv', 'off', p), 'ops_per_cpu')} |")
        lines.append(f"| {p} | FastKv everysec / FastKv off, ops/CPU-s, median of the runs' pairs | {paired('everysec', p)} |")
        lines.append(f"| {p} | FastKv everysec without rewrites / FastKv off, ops/CPU-s, median of pairs | {paired('everysec-norw', p)} |")
        lines.append(f"| {p} | FastKv everysec / FastKv off, ops/s | {r(('fastkv', 'everysec', p), ('fastkv', 'off', p), 'rps')} |")
        lines.append(f"| {p} | FastKv always / Redis 7.2.4 always, ops/s (target >= 1.0x) | {r(('fastkv', 'always', p), ('redis7.2', 'always', p), 'rps')} |")
        lines.append(f"| {p} | FastKv always / Redis 7.2.4 always, p99 (target <= 1.0x) | {r(('fastkv', 'always', p), ('redis7.2', 'always', p), 'p99')} |")
        lines.append(f"| {p} | FastKv everysec / Redis 7.0.15 everysec, ops/CPU-s | {r(('fastkv', 'everysec', p), ('redis7.0', 'everysec', p), 'ops_per_cpu')} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
