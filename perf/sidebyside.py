"""The plumbing every per-command load script shares (script, bitmap, hll, geo, stream benchmarks): a fresh server per
run, redis-benchmark on the client core with the server's CPU seconds taken from /proc, servers alternated run by run
under the bench lock, and the medians and FastKv / Redis ratios as the Markdown tables perf/RESULTS.md keeps.

A measure is keyed (name, server, pipeline): name tells the commands of one script apart ("" when it measures one).
"""
import contextlib, os, shutil, subprocess, tempfile

from cacheload import ROOT, median
from snapshot_bench import BenchLock, Server, CLIENT_CPU, task_cpu, server_pid, parse_csv

REDISES = (("redis7.2", "Redis 7.2.4"), ("redis7.0", "Redis 7.0.15"))


@contextlib.contextmanager
def fresh_server(kind, fastkv, threads=1):
    """A server of `kind` in a temp dir, without AOF; FastKv with `threads` shards, Redis as it is."""
    d = tempfile.mkdtemp(prefix="fastkv-bench-")
    try:
        s = Server(kind, d, threads if kind == "fastkv" else 1, fastkv=fastkv, extra=["--appendonly", "no"])
        try:
            yield s
        finally:
            s.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def benchmark(s, pipeline, requests, keyspace, argv):
    """One redis-benchmark run of `argv` on the client core (50 clients, __rand_int__ below `keyspace`): ops/s, p99,
    the server's CPU seconds over it, and so ops per CPU-second."""
    pid = server_pid(s)
    cpu0 = sum(task_cpu(pid).values())
    cmd = ["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-r", str(keyspace), "-c", "50",
           "-P", str(pipeline), "-n", str(requests), "--csv"] + argv
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900).stdout
    cpu = sum(task_cpu(pid).values()) - cpu0
    row = parse_csv(out)
    return {"rps": row["rps"], "p99": row["p99"], "cpu": cpu, "version": s.version,
            "ops_per_cpu": requests / cpu if cpu > 0 else 0}


def run_all(servers, pipelines, runs, requests, one, unit, res=None):
    """For each pipeline and run, every server in turn under the bench lock: `one(kind, pipeline, n)` gives
    {name: measure}; `requests(pipeline)` is n. Collected into `res` by (name, server, pipeline)."""
    res = {} if res is None else res
    for p in pipelines:
        n = requests(p)
        for r in range(runs):
            for kind in servers:
                with BenchLock():
                    measures = one(kind, p, n)
                for name, x in measures.items():
                    res.setdefault((name, kind, p), []).append(x)
                    print(f"  {name + ' ' if name else ''}P{p} run {r + 1} {kind:9}: {x['rps']:>10.0f} {unit}/s"
                          f"  {x['ops_per_cpu']:>10.0f} per CPU-s  p99 {x['p99']:.3f} ms", flush=True)
    return res


def tables(res, names, unit, label="command"):
    """The medians table, then FastKv's ratio to each Redis per CPU-second (the issues' target: 1.3x Redis 7.2.4 at P16)."""
    named = any(names)
    head = f"| {label} " if named else ""
    lines = [f"{head}| pipeline | server | {unit}/s | {unit}/CPU-s | p99 ms |",
             "|---" * (6 if named else 5) + "|"]
    med = {}
    for (name, kind, p), xs in sorted(res.items(), key=lambda kv: (names.index(kv[0][0]), kv[0][2], kv[0][1])):
        m = {k: median([x[k] for x in xs]) for k in ("rps", "ops_per_cpu", "p99")}
        med[(name, kind, p)] = m
        lines.append(f"{'| ' + name + ' ' if named else ''}| {p} | {kind} | {m['rps']:.0f} | {m['ops_per_cpu']:.0f} | {m['p99']:.3f} |")
    lines += ["", f"{head}| pipeline | measure | ratio |", "|---" * (4 if named else 3) + "|"]
    for name in names:
        for p in sorted({k[2] for k in med}):
            for other, title in REDISES:
                x, y = med.get((name, "fastkv", p)), med.get((name, other, p))
                if x and y and y["ops_per_cpu"]:
                    target = " (target >= 1.3x)" if other == "redis7.2" and p == 16 else ""
                    lines.append(f"{'| ' + name + ' ' if named else ''}| {p} | FastKv / {title}, {unit} per CPU-s{target} | "
                                 f"{x['ops_per_cpu'] / y['ops_per_cpu']:.2f}x |")
    return lines


def finish(lines, record):
    """Prints the section and, with --record, appends it to perf/RESULTS.md."""
    text = "\n".join(lines) + "\n"
    print(text)
    if record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)
