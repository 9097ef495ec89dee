#!/usr/bin/env python3
"""A/B of FastKv binaries on consumer-group reads and acknowledgements, rounds alternating: per round and binary a
fresh server (`--threads 1`, core 0), 1000 streams of 1000 entries and a group at 0 on each, then redis-benchmark on
the client core (50 clients, pipeline 16, 1M each): XREADGROUP GROUP g c COUNT 1 STREAMS <random> >, then XACK
<random> g 1-<random>; server CPU (every thread) from /proc. Usage: stream_ab.py RUNS name=binary[,name=binary...]."""
import os, statistics, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stream_bench import send_all, resp  # noqa: E402
from sidebyside import fresh_server, server_pid, task_cpu, BenchLock, CLIENT_CPU  # noqa: E402


def main():
    runs = int(sys.argv[1])
    bins = dict(x.split("=", 1) for x in sys.argv[2].split(","))
    res = {}
    for _ in range(runs):
        for name, b in bins.items():
            with fresh_server("fastkv", b, 1) as s:
                keys = ["bench:s:%012d" % k for k in range(1000)]
                send_all(s, [resp("XADD", k, "1-%d" % j, "f", "v") for k in keys for j in range(1000)])
                send_all(s, [resp("XGROUP", "CREATE", k, "g", "0") for k in keys])
                base = ["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-c", "50", "-P", "16",
                        "-r", "1000", "-n", "1000000", "-q"]
                pid = server_pid(s)
                with BenchLock():
                    c0 = sum(task_cpu(pid).values())
                    subprocess.run(base + ["xreadgroup", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "bench:s:__rand_int__", ">"],
                                   capture_output=True)
                    c1 = sum(task_cpu(pid).values())
                    subprocess.run(base + ["xack", "bench:s:__rand_int__", "g", "1-__rand_int__"], capture_output=True)
                    c2 = sum(task_cpu(pid).values())
            res.setdefault((name, "XREADGROUP"), []).append(1e6 / (c1 - c0))
            res.setdefault((name, "XACK"), []).append(1e6 / (c2 - c1))
            print(name, "XREADGROUP/CPU-s", round(1e6 / (c1 - c0)), "XACK/CPU-s", round(1e6 / (c2 - c1)), flush=True)
    for (name, op), v in sorted(res.items()):
        print("median", name, op, round(statistics.median(v)))


if __name__ == "__main__":
    main()
