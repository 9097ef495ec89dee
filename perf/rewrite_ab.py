#!/usr/bin/env python3
"""A/B of server binaries on the CPU of one AOF rewrite (BGREWRITEAOF) of ~950k string keys with 100-byte
random values: for each round and binary, a fresh FastKv --threads 1 (core 0) with appendonly yes, filled by
redis-benchmark on the client core (`-t set -r 1000000 -n 3000000 -d 100 -P 16 -c 50`), then BGREWRITEAOF three times;
each rewrite's server CPU (the whole process, exited threads included, from /proc) until aof_rewrite_in_progress is 0 again. Binaries alternate
round by round. Usage: rewrite_ab.py RUNS name=binary[,name=binary...]; prints each rewrite's CPU (ms) and the
medians."""
import os, shutil, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snapshot_bench import BenchLock, Server, CLIENT_CPU, process_cpu, server_pid  # noqa: E402


def rewriting(s):
    return s.info("persistence").get("aof_rewrite_in_progress") == "1"


def main():
    runs = int(sys.argv[1])
    bins = dict(x.split("=", 1) for x in sys.argv[2].split(","))
    res = {}
    for _ in range(runs):
        for name, b in bins.items():
            d = tempfile.mkdtemp(prefix="fastkv-rewrite-ab-")
            s = Server("fastkv", d, 1, fastkv=b, extra=["--appendonly", "yes", "--appendfsync", "everysec"])
            try:
                subprocess.run(["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-t", "set",
                                "-r", "1000000", "-n", "3000000", "-d", "100", "-P", "16", "-c", "50", "-q"],
                               capture_output=True)
                while rewriting(s):
                    time.sleep(0.2)
                keys = s.call("DBSIZE").decode().strip(":\r\n")
                pid = server_pid(s)
                with BenchLock():
                    for _ in range(3):
                        c0 = process_cpu(pid)
                        s.call("BGREWRITEAOF")
                        time.sleep(0.05)
                        while rewriting(s):
                            time.sleep(0.02)
                        ms = (process_cpu(pid) - c0) * 1000
                        res.setdefault(name, []).append(ms)
                        print(name, "keys", keys, "rewrite CPU ms", round(ms), flush=True)
            finally:
                s.stop()
                shutil.rmtree(d, ignore_errors=True)
    first = list(bins)[0]
    meds = {nm: statistics.median(v) for nm, v in res.items()}
    print("medians (ms):", "  ".join(f"{nm} {v:.0f}" for nm, v in meds.items()),
          "| ratios vs", first, " ".join(f"{nm} {meds[nm] / meds[first]:.2f}" for nm in meds))


if __name__ == "__main__":
    main()
