#!/usr/bin/env python3
"""A/B of server binaries (and Redis 7.2.4) on the workloads of hll_bench.py: alternating
fresh servers on core 0 (FastKv --threads 1), redis-benchmark on core 1, 50 clients, pipeline 16; server CPU per op
from /proc (every thread), medians. Usage: hll_ab.py RUNS OPS name=binary[,name=binary...] [REQUESTS]; the name
"redis" runs Redis 7.2.4 from shared/oracle."""
import subprocess, sys, time, os, re, statistics, fcntl, shutil, tempfile
runs = int(sys.argv[1]); tests = sys.argv[2].split(","); bins = dict(x.split("=") for x in sys.argv[3].split(","))
n = int(sys.argv[4]) if len(sys.argv) > 4 else 1000000
REDIS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "oracle", "redis-7.2.4", "redis-server")
OPS = {"pfadd": ["pfadd", "hll:__rand_int__", "e:__rand_int__"], "pfcount": ["pfcount", "hll:__rand_int__"],
       "pfcount-many": ["pfcount", "hll:__rand_int__", "hll:__rand_int__"]}
def cpu(pid):
    tot = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        f = open(f"/proc/{pid}/task/{t}/stat").read().rsplit(")", 1)[1].split()
        tot += int(f[11]) + int(f[12])
    return tot / os.sysconf("SC_CLK_TCK")
res = {}
port = 7931
for r in range(runs):
    for name, b in bins.items():
        for t in tests:
            d = tempfile.mkdtemp()
            if name == "redis":
                args = [REDIS, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", d]
            else:
                args = [b, "--port", str(port), "--threads", "1", "--save", "", "--appendonly", "no", "--dir", d]
            p = subprocess.Popen(["taskset", "-c", "0"] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() == "PONG": break
                time.sleep(0.1)
            base = ["taskset", "-c", "1", "redis-benchmark", "-p", str(port), "-c", "50", "-P", "16"]
            if t.startswith("pfcount"):
                subprocess.run(base + ["-r", "1000", "-q", "-n", "1000000"] + OPS["pfadd"], capture_output=True)
            with open("/tmp/fastkv-bench.lock", "w") as lk:
                fcntl.flock(lk, fcntl.LOCK_EX)
                c0 = cpu(p.pid)
                out = subprocess.run(base + ["-r", "1000", "-q", "-n", str(n)] + OPS[t], capture_output=True, text=True).stdout
                c1 = cpu(p.pid)
            p.kill(); p.wait(); shutil.rmtree(d, ignore_errors=True)
            m = re.findall(r"([0-9.]+) requests per second", out); rps = float(m[-1]) if m else 0
            res.setdefault((t, name), []).append(n / (c1 - c0))
            print(t, name, round(rps), round(n / (c1 - c0)), flush=True)
for t in tests:
    meds = {nm: statistics.median(res[(t, nm)]) for nm in bins}
    first = list(bins)[0]
    print(t, "  ".join(f"{nm} {v:.0f}" for nm, v in meds.items()), "| ratios vs", first, " ".join(f"{nm} {meds[nm]/meds[first]:.3f}" for nm in bins))
