#!/usr/bin/env python3
"""A/B of FastKv binaries on consumer-group reads and acknowledgements, rounds alternating: per round and binary a
fresh server (`--threads 1`, core 0), 1000 streams of 1000 entries and a group at 0 on each, then redis-benchmark on
core 1 (50 clients, pipeline 16, 1M each): XREADGROUP GROUP g c COUNT 1 STREAMS <random> >, then XACK <random> g
1-<random>; server CPU (every thread) from /proc. Usage: stream_ab.py RUNS name=binary[,name=binary...]."""
import sys, subprocess, os, statistics
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stream_bench import send_all, resp  # noqa: E402
from sidebyside import fresh_server, server_pid  # noqa: E402
def cpu(pid):
    tot = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        f = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
        tot += int(f[11]) + int(f[12])
    return tot / os.sysconf("SC_CLK_TCK")
bins = dict(x.split("=") for x in sys.argv[2].split(","))
res = {}
for r in range(int(sys.argv[1])):
    for name, b in bins.items():
        with fresh_server("fastkv", b, 1) as s:
            keys = ["bench:s:%012d" % k for k in range(1000)]
            send_all(s, [resp("XADD", k, "1-%d" % j, "f", "v") for k in keys for j in range(1000)])
            send_all(s, [resp("XGROUP", "CREATE", k, "g", "0") for k in keys])
            base = ["taskset","-c","1","redis-benchmark","-p",str(s.port),"-c","50","-P","16","-r","1000","-n","1000000","-q"]
            pid = server_pid(s)
            c0 = cpu(pid)
            subprocess.run(base + ["xreadgroup","GROUP","g","c","COUNT","1","STREAMS","bench:s:__rand_int__",">"],capture_output=True)
            c1 = cpu(pid)
            subprocess.run(base + ["xack","bench:s:__rand_int__","g","1-__rand_int__"],capture_output=True)
            c2 = cpu(pid)
            res.setdefault((name,"read"),[]).append(1e6/(c1-c0)); res.setdefault((name,"ack"),[]).append(1e6/(c2-c1))
            print(name, "XREADGROUP/CPU-s", round(1e6/(c1-c0)), "XACK/CPU-s", round(1e6/(c2-c1)), flush=True)
for k, v in sorted(res.items()): print(k, round(statistics.median(v)))
