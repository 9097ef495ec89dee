#!/usr/bin/env python3
"""Scripting benchmark of issue 13, side by side with Redis 7.2.4 (and Debian's 7.0.15) on the same core.

EVALSHA of a small script, INCR then EXPIRE of one key (the issue's "INCR + EXPIRE"), through redis-benchmark:
50 clients, keys key:<random of 100000>, pipeline 1 and 16. Measured: ops/s (redis-benchmark's rps), the server's
CPU seconds over the run (utime + stime of every thread, from /proc), so scripts per CPU-second, and the p99.
Placement as the other benchmarks: the server on core 0 under taskset (FastKv --threads 1), redis-benchmark on core 1;
every timed run holds flock(/tmp/fastkv-bench.lock). Target: >= 1.3x Redis 7.2.4's scripts per CPU-second.

  scripts/publish && python3 perf/script_bench.py [--runs 3] [--script incr|move|addjob|addjob-tagged] [--threads 1|2] [--record]
"""
import argparse, datetime, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import FASTKV  # noqa: E402
from sidebyside import fresh_server, benchmark, run_all, tables, finish  # noqa: E402

SCRIPT = "local v = redis.call('incr', KEYS[1]) redis.call('expire', KEYS[1], ARGV[1]) return v"

# Each script: its body and the EVALSHA arguments after the SHA (redis-benchmark fills every __rand_int__ on its own).
# incr: one declared key (inline on its shard). move: two declared keys, on two shards half the time (intent locks).
# addjob: Bull's add-job shape, the job hash named from a declared prefix and the new id (an undeclared key): with
# keys spread over shards it runs with every shard held; with one hash tag ("{q}") inline, as Bull with a tagged prefix.
SCRIPTS = {
    "incr": (SCRIPT, ["1", "key:__rand_int__", "60"]),
    "move": ("redis.call('decr', KEYS[1]) return redis.call('incr', KEYS[2])", ["2", "acct:__rand_int__", "acct:__rand_int__"]),
    "addjob": ("local id = redis.call('incr', KEYS[1]) local job = ARGV[1] .. id "
               "redis.call('hset', job, 'name', ARGV[2], 'data', ARGV[3], 'opts', '{}', 'timestamp', ARGV[4], 'delay', '0') "
               "redis.call('lpush', KEYS[2], id) redis.call('publish', ARGV[1] .. 'waiting', id) return id",
               ["2", "bull:q:id", "bull:q:wait", "bull:q:", "job", "{\"n\":__rand_int__}", "1700000000000"]),
    "addjob-tagged": (None, ["2", "bull:{q}:id", "bull:{q}:wait", "bull:{q}:", "job", "{\"n\":__rand_int__}", "1700000000000"]),
}


def one_run(kind, pipeline, requests, fastkv, script="incr", threads=1):
    body, argv = SCRIPTS[script]
    body = body or SCRIPTS[script.split("-")[0]][0]
    with fresh_server(kind, fastkv, threads) as s:
        sha = subprocess.run(["redis-cli", "-p", str(s.port), "script", "load", body],
                             capture_output=True, text=True).stdout.strip()
        return {"": benchmark(s, pipeline, requests, 100000, ["evalsha", sha] + argv)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=0, help="scripts per run (default 200k at P1, 1M at P16)")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--script", default="incr", choices=sorted(SCRIPTS))
    ap.add_argument("--threads", type=int, default=1, help="FastKv's --threads (2: both cores, the client shares one)")
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)
    res = run_all(a.servers.split(","), [int(x) for x in a.pipelines.split(",")], a.runs,
                  lambda p: a.requests or (200_000 if p == 1 else 1_000_000),
                  lambda kind, p, n: one_run(kind, p, n, a.fastkv, a.script, a.threads), "scripts")
    opts = f" --script {a.script}" + (f" --threads {a.threads}" if a.threads != 1 else "")
    lines = [f"### Scripting: EVALSHA, script {a.script} ({started:%Y-%m-%d}, `python3 perf/script_bench.py --runs {a.runs}{opts}`)", "",
             f"Medians. Server on cores {'0' if a.threads == 1 else '0,1'} (FastKv --threads {a.threads}, Redis on core 0), "
             "redis-benchmark on core 1, 50 clients, keys of 100000.", ""]
    finish(lines + tables(res, [""], "scripts"), a.record)


if __name__ == "__main__":
    main()
