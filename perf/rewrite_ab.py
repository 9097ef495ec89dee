#!/usr/bin/env python3
"""A/B of server binaries on the CPU of one AOF rewrite (BGREWRITEAOF) of ~950k string keys with 100-byte
random values: for each round and binary, a fresh FastKv --threads 1 on core 0 with appendonly yes, filled by
redis-benchmark on core 1 (`-t set -r 1000000 -n 3000000 -d 100 -P 16 -c 50`), then BGREWRITEAOF three times;
each rewrite's server CPU (every thread, from /proc) until aof_rewrite_in_progress is 0 again. Binaries alternate
round by round. Usage: rewrite_ab.py RUNS name=binary[,name=binary...]; prints each rewrite's CPU (ms) and the
medians."""
import subprocess, sys, time, os, statistics, shutil, tempfile, fcntl

runs = int(sys.argv[1])
bins = dict(x.split("=", 1) for x in sys.argv[2].split(","))


def cpu(pid):
    tot = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        f = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
        tot += int(f[11]) + int(f[12])
    return tot / os.sysconf("SC_CLK_TCK")


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, text=True).stdout


def rewriting(port):
    return "aof_rewrite_in_progress:1" in cli(port, "info", "persistence")


res = {}
port = 7941
for r in range(runs):
    for name, b in bins.items():
        d = tempfile.mkdtemp(prefix="fastkv-rewrite-ab-")
        p = subprocess.Popen(["taskset", "-c", "0", b, "--port", str(port), "--threads", "1", "--dir", d,
                              "--appendonly", "yes", "--appendfsync", "everysec"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if cli(port, "ping").strip() == "PONG":
                    break
                time.sleep(0.1)
            subprocess.run(["taskset", "-c", "1", "redis-benchmark", "-p", str(port), "-t", "set", "-r", "1000000",
                            "-n", "3000000", "-d", "100", "-P", "16", "-c", "50", "-q"], capture_output=True)
            while rewriting(port):
                time.sleep(0.2)
            keys = cli(port, "dbsize").strip()
            with open("/tmp/fastkv-bench.lock", "w") as lk:
                fcntl.flock(lk, fcntl.LOCK_EX)
                for _ in range(3):
                    c0 = cpu(p.pid)
                    cli(port, "bgrewriteaof")
                    time.sleep(0.05)
                    while rewriting(port):
                        time.sleep(0.02)
                    ms = (cpu(p.pid) - c0) * 1000
                    res.setdefault(name, []).append(ms)
                    print(name, "keys", keys, "rewrite CPU ms", round(ms), flush=True)
        finally:
            p.kill()
            p.wait()
            shutil.rmtree(d, ignore_errors=True)
first = list(bins)[0]
meds = {nm: statistics.median(v) for nm, v in res.items()}
print("medians (ms):", "  ".join(f"{nm} {v:.0f}" for nm, v in meds.items()),
      "| ratios vs", first, " ".join(f"{nm} {meds[nm] / meds[first]:.2f}" for nm in meds))
