#!/usr/bin/env python3
"""SETs while evicting, side by side: FastKv and Redis 7.2.4 (and Debian's 7.0.15) at the same maxmemory.

Every server starts with maxmemory MAXMEMORY (default 64mb) and the policy, and is filled past the limit
with redis-benchmark SETs of 100-byte values on random keys out of 100M (so almost every SET creates a key
and, once full, every SET evicts). Then, in R rounds with the servers in alternating order, redis-benchmark
(on the other core) runs on each:

  P1    50 clients, one SET in flight each: p50/p99/p99.9 latency of SETs that evict (the eviction pause)
  P16   50 clients, 16 SETs in flight each: throughput and SETs per CPU-second of the server process
        (utime + stime from /proc/PID/stat) under eviction pressure

With --policies ...,off the same loads also run on servers without maxmemory (prefilled with as many
keys, nothing evicted): the difference is what eviction costs each server. used_memory is sampled every
50 ms during the run (the highest sample over maxmemory is reported) and evicted_keys counted. Medians over the rounds; ratios FastKv / Redis 7.2.4 (latency ratio below 1 and
throughput ratio above 1 favour FastKv). A row whose server used under 90% of a core is client-bound.

Take the machine's benchmark lock around a run:

  perf/evict_pause.py            # a few minutes
  perf/evict_pause.py --quick    # under a minute
  perf/evict_pause.py --policies allkeys-lru,off   # with the no-eviction control

Usage: evict_pause.py [--quick] [--maxmemory 64mb] [--policies allkeys-lru,allkeys-lfu] [--rounds R]
                      [--requests N] [--servers fastkv,redis7.2,redis7.0] [--fastkv PATH] [--record]
"""
import argparse, datetime, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import ROOT, FASTKV, Server, MemorySampler, info_int, label, median, cpus  # noqa: E402
from bench import parse_benchmark  # noqa: E402

KEYSPACE = 100_000_000

def benchmark(port, cpu, requests, pipeline, precision=True):
    cmd = ["taskset", "-c", str(cpu), "redis-benchmark", "-p", str(port), "-t", "set", "-r", str(KEYSPACE),
           "-d", "100", "-n", str(requests), "-c", "50", "-P", str(pipeline)]
    cmd += ["--precision", "3"] if precision else ["-q"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    return parse_benchmark((out.stdout + out.stderr).replace("\r", "\n")), out.stdout + out.stderr


def prefill(s, maxmemory, client_cpu, evicting):
    """SETs until the server has evicted for a while (twice maxmemory's worth of keys at ~150 B each)."""
    benchmark(s.port, client_cpu, max(2 * maxmemory // 150, 10_000), 64, precision=False)
    ev = info_int(s.info("stats"), "evicted_keys")
    if ev == 0 and evicting:
        print(f"  warning: {label(s.kind)} evicted nothing during the prefill "
              f"(used_memory {info_int(s.info('memory'), 'used_memory')}, maxmemory {maxmemory})", flush=True)


def measure(s, client_cpu, requests, pipeline, maxmemory):
    i0, c0, t0 = s.info("stats"), s.cpu(), time.perf_counter()
    sampler = MemorySampler(s.port)
    sampler.start()
    r, raw = benchmark(s.port, client_cpu, requests, pipeline)
    sampler.stop()
    i1, c1, t1 = s.info("stats"), s.cpu(), time.perf_counter()
    if not s.alive():
        raise RuntimeError(f"{s.kind} exited during the run")
    r["cpu"] = c1 - c0
    r["util"] = (c1 - c0) / max(t1 - t0, 1e-9)
    r["ops_cpu"] = requests / max(c1 - c0, 1e-9)
    r["evicted"] = info_int(i1, "evicted_keys") - info_int(i0, "evicted_keys")
    r["peak"] = max((u for _, u in sampler.samples), default=0) / maxmemory if maxmemory else 0
    if r["rps"] == 0:
        r["errors"] = max(r["errors"], 1)
        r["raw"] = raw[-400:]
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one policy, one round, fewer requests")
    ap.add_argument("--maxmemory", default="64mb")
    ap.add_argument("--policies", default="", help="comma list; 'off' runs the same loads without maxmemory (the "
                    "cost of a SET that adds a key without evicting, for comparison)")
    ap.add_argument("--rounds", type=int, default=0)
    ap.add_argument("--requests", type=int, default=0, help="SETs per P1 run (P16 runs do 4x)")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--record", action="store_true", help="append the tables to perf/RESULTS.md")
    a = ap.parse_args()
    policies = (a.policies or ("allkeys-lru" if a.quick else "allkeys-lru,allkeys-lfu")).split(",")
    rounds = a.rounds or (1 if a.quick else 3)
    requests = a.requests or (100_000 if a.quick else 300_000)
    servers = a.servers.split(",")
    server_cpu, client_cpu = cpus()
    t_start = time.time()
    probe = Server("redis7.2", server_cpu, config=[("maxmemory", a.maxmemory)])
    maxmemory = info_int(probe.info("memory"), "maxmemory")  # Redis's reading of the units, given to every server
    probe.stop()
    results = {}
    versions = {}
    for policy in policies:
        live = {}
        try:
            for kind in servers:
                conf = [] if policy == "off" else [("maxmemory", maxmemory), ("maxmemory-policy", policy)]
                s = Server(kind, server_cpu, config=conf, fastkv=a.fastkv)
                live[kind] = s
                versions[kind] = s.version
                prefill(s, maxmemory, client_cpu, policy != "off")
            for rnd in range(rounds):
                for wl, pipeline, n in (("P1", 1, requests), ("P16", 16, requests * 4)):
                    for kind in (servers if rnd % 2 == 0 else servers[::-1]):
                        r = measure(live[kind], client_cpu, n, pipeline, maxmemory)
                        results.setdefault((policy, wl, kind), []).append(r)
                        print(f"  {policy} {wl} {label(kind)}: {r['rps']:.0f} ops/s p50/p99/p99.9 {r['p50']}/{r['p99']}/{r['p999']} ms "
                              f"ops/CPU-s {r['ops_cpu']:.0f} util {r['util']:.0%} evicted {r['evicted']} "
                              f"peak {r['peak']:.3f} x maxmemory errors {r['errors']}" + (f" {r['raw']!r}" if r.get("raw") else ""),
                              flush=True)
        finally:
            for s in live.values():
                s.stop()
    elapsed = time.time() - t_start

    def m(policy, wl, kind, key):
        return median([r[key] for r in results[(policy, wl, kind)]])

    ref = "redis7.2" if "redis7.2" in servers else servers[-1]
    lines = ["| policy | load | server | SETs/s | p50/p99/p99.9 ms | SETs/CPU-s | server CPU | evicted | max used_memory / maxmemory | errors |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    ratios = ["| policy | load | p99.9 FastKv/Redis | p99 FastKv/Redis | SETs/s FastKv/Redis | SETs/CPU-s FastKv/Redis |",
              "|---|---|---|---|---|---|"]
    for policy in policies:
        for wl in ("P1", "P16"):
            for kind in servers:
                g = lambda k: m(policy, wl, kind, k)  # noqa: E731
                lines.append(f"| {policy} | {wl} | {label(kind)} | {g('rps'):.0f} | {g('p50'):.3f}/{g('p99'):.3f}/{g('p999'):.3f} | "
                             f"{g('ops_cpu'):.0f} | {g('util'):.0%} | {g('evicted'):.0f} | {g('peak'):.3f} | {g('errors'):.0f} |"
                             .replace("| 0.000 |", "| - |"))
            if "fastkv" in servers and ref != "fastkv":
                f = lambda k: m(policy, wl, "fastkv", k)  # noqa: E731
                r = lambda k: m(policy, wl, ref, k)  # noqa: E731
                ratios.append(f"| {policy} | {wl} | {f('p999') / r('p999'):.2f} | {f('p99') / r('p99'):.2f} | "
                              f"{f('rps') / r('rps'):.2f} | {f('ops_cpu') / r('ops_cpu'):.2f} |")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    text = (f"### {datetime.date.today().isoformat()} commit {commit}: SETs while evicting (perf/evict_pause.py)\n\n"
            f"`perf/evict_pause.py {' '.join(sys.argv[1:])}` ({elapsed:.0f} s): maxmemory {a.maxmemory} ({maxmemory} B), "
            f"prefilled past it; redis-benchmark -t set -d 100 -r {KEYSPACE} -c 50, P1 {requests} and P16 {requests * 4} SETs "
            f"per run on core {client_cpu}, servers on core {server_cpu} (FastKv --threads 1); {rounds} round(s) alternating, "
            f"medians; " + ", ".join(f"{label(k)} = {versions[k]}" for k in servers) + ".\n\n"
            + "\n".join(lines) + "\n\n" + "\n".join(ratios) + "\n")
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
