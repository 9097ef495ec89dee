#!/usr/bin/env python3
"""Front ends side by side: FastKv's epoll event loop against the Pipelines.Sockets.Unofficial prototype
(perf/FastKv.PipelinesPrototype: the same engine, one shard, behind SocketConnection with a dedicated
PipeScheduler thread), with redis-server as the yardstick. GET and SET, 32-byte values, pipeline 1 and 16.

Every server runs under `taskset -c 0` (the whole process, so the prototype's socket threads and its
scheduler thread share the core the way a shard would), redis-benchmark under `taskset -c 1`. Rounds
alternate the order of the servers. Reported: throughput, p50/p99 and requests per server CPU-second.

Usage, after `scripts/publish`, `dotnet build -c Release src/FastKv.Server perf/FastKv.PipelinesPrototype` and
`dotnet publish perf/FastKv.PipelinesPrototype -c Release -r linux-x64 -p:PublishAot=true -o artifacts/publish/pipelines-prototype`:
  python3 perf/pipelines_bench.py [--rounds N] [--requests N]
"""
import argparse, datetime, os, statistics, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, Server, run_workload  # noqa: E402

SERVERS = {
    "epoll (AOT)": lambda: ["taskset", "-c", "0", os.path.join(ROOT, "artifacts/publish/aot/fastkv-server"),
                            "--threads", "1", "--save", ""],
    "epoll (JIT)": lambda: ["taskset", "-c", "0", "dotnet", os.path.join(ROOT, "src/FastKv.Server/bin/Release/net10.0/fastkv-server.dll"),
                            "--threads", "1", "--save", ""],
    "pipelines (AOT)": lambda: ["taskset", "-c", "0", os.path.join(ROOT, "artifacts/publish/pipelines-prototype/FastKv.PipelinesPrototype")],
    "pipelines (JIT)": lambda: ["taskset", "-c", "0", "dotnet",
                                os.path.join(ROOT, "perf/FastKv.PipelinesPrototype/bin/Release/net10.0/FastKv.PipelinesPrototype.dll")],
    "redis": lambda: ["taskset", "-c", "0", "redis-server", "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=200_000)
    a = ap.parse_args()
    wls = []
    for p in (1, 16):
        wls.append({"name": f"SET 32B P{p}", "clients": 50, "pipeline": p, "size": 32, "keyspace": 100_000, "args": ["-t", "set"]})
        wls.append({"name": f"GET 32B P{p}", "clients": 50, "pipeline": p, "size": 32, "keyspace": 100_000, "prefill": True,
                    "args": ["-t", "get"]})
    names = list(SERVERS)
    results = {(w["name"], s): [] for w in wls for s in names}
    for rnd in range(a.rounds):
        order = names if rnd % 2 == 0 else list(reversed(names))
        for s in order:
            server = Server(s, SERVERS[s]())
            try:
                for w in wls:
                    results[(w["name"], s)].append(run_workload(server, w, 1, a.requests))
            finally:
                server.stop()
    lines = ["| workload | server | ops/s | p50 ms | p99 ms | ops per server CPU-s | server CPU use |", "|---|---|---|---|---|---|---|"]
    for w in wls:
        for s in names:
            rs = results[(w["name"], s)]
            m = {k: statistics.median(r[k] for r in rs) for k in ("rps", "p50", "p99", "ops_per_cpu", "util")}
            lines.append(f"| {w['name']} | {s} | {m['rps']:.0f} | {m['p50']:.3f} | {m['p99']:.3f} | {m['ops_per_cpu']:.0f} | {m['util']:.0%} |")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"### {datetime.date.today().isoformat()} commit {commit}: epoll loop vs Pipelines.Sockets.Unofficial front end\n")
    print(f"`python3 perf/pipelines_bench.py {' '.join(sys.argv[1:])}`: {a.rounds} rounds, "
          f"{a.requests} requests per run, 50 clients, medians\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
