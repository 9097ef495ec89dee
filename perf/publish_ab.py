#!/usr/bin/env python3
"""Cross-shard PUBLISH, two FastKv builds side by side (before/after A/B).

Each build runs with --threads 2 and per-thread affinity; subscribers (one python process draining N
connections) land on both shards, so most deliveries cross a shard. redis-benchmark publishes pipelined.
Reported per build: publishes per second and per server CPU-second (utime+stime of the server process),
medians over alternating rounds.

  python3 perf/publish_ab.py --a BUILD_A --b BUILD_B [--rounds 5] [--subscribers 20] [--size 100]

A build is a fastkv-server binary or a fastkv-server.dll (run with dotnet).
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import DRAIN  # noqa: E402  (the subscriber drainer the PUBLISH rows use)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True).stdout


def start(build, port):
    argv = (["dotnet", build] if build.endswith(".dll") else [build]) + [
        "--port", str(port), "--threads", "2", "--thread-affinity", "yes", "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        if cli(port, "ping").strip() == "PONG":
            return proc
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{build} did not start")


def one(build, subscribers, size, requests):
    port = free_port()
    server = start(build, port)
    try:
        subs = subprocess.Popen([sys.executable, "-c", DRAIN, str(port), str(subscribers)], stdout=subprocess.PIPE, text=True)
        subs.stdout.readline()
        deadline = time.time() + 10
        while time.time() < deadline and cli(port, "pubsub", "numsub", "ch").split()[-1:] != [str(subscribers)]:
            time.sleep(0.05)
        c0, t0 = cpu_seconds(server.pid), time.time()
        subprocess.run(["redis-benchmark", "-p", str(port), "-c", "10", "-P", "16", "-n", str(requests), "-d", str(size),
                        "-q", "publish", "ch", "x" * size], capture_output=True, text=True)
        c1, t1 = cpu_seconds(server.pid), time.time()
        subs.kill()
        return requests / (t1 - t0), requests / max(c1 - c0, 1e-6)
    finally:
        server.kill()
        server.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--subscribers", type=int, default=20)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--requests", type=int, default=200_000)
    a = ap.parse_args()
    res = {"a": [], "b": []}
    for r in range(a.rounds):
        for name in (("a", "b") if r % 2 == 0 else ("b", "a")):
            res[name].append(one(getattr(a, name), a.subscribers, a.size, a.requests))
            rps, eff = res[name][-1]
            print(f"round {r} {name}: {rps:,.0f}/s, {eff:,.0f} per CPU-s", flush=True)
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in res.items()}
    print(f"\n{a.subscribers} subscribers, {a.size}-byte messages, {a.requests} publishes, median of {a.rounds}")
    for k in ("a", "b"):
        print(f"{k}: {med[k][0]:,.0f} publishes/s, {med[k][1]:,.0f} per server CPU-second")
    print(f"b/a: {med['b'][0] / med['a'][0]:.2f}x per second, {med['b'][1] / med['a'][1]:.2f}x per CPU-second")


if __name__ == "__main__":
    main()
