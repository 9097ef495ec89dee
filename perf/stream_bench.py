#!/usr/bin/env python3
"""Stream benchmark of issue 14, side by side with Redis 7.2.4 (and Debian's 7.0.15) on the same core.

XADD with auto IDs through redis-benchmark: 50 clients, streams bench:s:<random of 1000> (so each grows and its nodes
fill and split), pipeline 1 and 16; optionally with MAXLEN ~ 1000 (--trim). Measured: ops/s (redis-benchmark's rps),
the server's CPU seconds over the run (utime + stime of every thread, from /proc), so XADDs per CPU-second, and the
p99. Then memory: a fresh server, one stream filled with --entries entries of two small fields (XADD in pipelines of
1000), and (used_memory after - before) / entries as bytes per entry.
Placement as the other benchmarks: the server on core 0 under taskset (FastKv --threads 1), redis-benchmark on core 1;
every timed run holds flock(/tmp/fastkv-bench.lock). Targets: >= 1.3x Redis 7.2.4's XADDs per CPU-second at pipeline
16, bytes per entry at most Redis's.

With --group: XREADGROUP ... COUNT 1 ... > then XACK over prefilled streams with one group (one_group_run).

  scripts/publish && python3 perf/stream_bench.py [--runs 3] [--trim] [--group [--streams 1000]] [--threads 1|2] [--record]
"""
import argparse, datetime, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import FASTKV, frame_end  # noqa: E402
from snapshot_bench import BenchLock  # noqa: E402
from sidebyside import fresh_server, benchmark, run_all, tables, finish  # noqa: E402


def xadd_args(trim):
    return ["xadd", "bench:s:__rand_int__"] + (["MAXLEN", "~", "1000"] if trim else []) + ["*", "f", "v", "n", "__rand_int__"]


def one_group_run(kind, pipeline, requests, fastkv, streams, threads=1):
    """--group: `streams` streams bench:s:<000000000000..> of `streams` entries each (IDs 1-0 .. 1-<streams-1>), a group g
    at 0 on each; then XREADGROUP GROUP g c COUNT 1 STREAMS <random stream> > (each call delivers one entry into the
    PEL), then XACK <random stream> g 1-<random> (redis-benchmark draws each __rand_int__ on its own, below `streams`:
    most acks find a pending entry, repeats ack nothing)."""
    with fresh_server(kind, fastkv, threads) as s:
        keys = ["bench:s:%012d" % k for k in range(streams)]
        send_all(s, [resp("XADD", k, "1-%d" % j, "f", "v") for k in keys for j in range(streams)])
        send_all(s, [resp("XGROUP", "CREATE", k, "g", "0") for k in keys])
        n = min(requests, streams * streams)
        read = benchmark(s, pipeline, n, streams, ["xreadgroup", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "bench:s:__rand_int__", ">"])
        ack = benchmark(s, pipeline, n, streams, ["xack", "bench:s:__rand_int__", "g", "1-__rand_int__"])
        return {"XREADGROUP": read, "XACK": ack}


def one_run(kind, pipeline, requests, fastkv, trim=False, threads=1):
    with fresh_server(kind, fastkv, threads) as s:
        return {"": benchmark(s, pipeline, requests, 1000, xadd_args(trim))}


def send_all(s, commands):
    """Sends RESP-encoded commands on the control connection in pipelines of 1000, reading (and dropping) the replies."""
    c = s.ctl
    for start in range(0, len(commands), 1000):
        part = commands[start:start + 1000]
        c.s.sendall(b"".join(part))
        for _ in part:
            while (e := frame_end(c.buf, 0) if c.buf else -1) < 0:
                c.buf += c.s.recv(1 << 20)
            del c.buf[:e]


def resp(*args):
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))


def bytes_per_entry(kind, entries, fastkv):
    """used_memory growth per entry of one stream filled with `entries` XADDs (fields f=<i>, name=job)."""
    with fresh_server(kind, fastkv) as s:
        before = int(s.info("memory")["used_memory"])
        send_all(s, [resp("XADD", "mem:s", "*", "f", str(i), "name", "job") for i in range(entries)])
        after = int(s.info("memory")["used_memory"])
        assert int(s.call("XLEN", "mem:s")[1:-2]) == entries
        return (after - before) / entries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=0, help="XADDs per run (default 200k at P1, 1M at P16)")
    ap.add_argument("--entries", type=int, default=200_000, help="entries of the memory measurement")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--pipelines", default="1,16")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--trim", action="store_true", help="XADD ... MAXLEN ~ 1000")
    ap.add_argument("--threads", type=int, default=1, help="FastKv's --threads (2: both cores, the client shares one)")
    ap.add_argument("--group", action="store_true", help="XREADGROUP COUNT 1 then XACK instead of XADD (no memory measure)")
    ap.add_argument("--streams", type=int, default=1000, help="--group: streams, and entries per stream")
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    servers = a.servers.split(",")
    started = datetime.datetime.now(datetime.timezone.utc)
    if a.group:
        group_main(a, servers, started)
        return
    res = run_all(servers, [int(x) for x in a.pipelines.split(",")], a.runs,
                  lambda p: a.requests or (200_000 if p == 1 else 1_000_000),
                  lambda kind, p, n: one_run(kind, p, n, a.fastkv, a.trim, a.threads), "XADDs")
    mem = {}
    for kind in servers:
        with BenchLock():
            mem[kind] = bytes_per_entry(kind, a.entries, a.fastkv)
        print(f"  memory {kind:9}: {mem[kind]:.1f} bytes per entry", flush=True)
    opts = (" --trim" if a.trim else "") + (f" --threads {a.threads}" if a.threads != 1 else "")
    lines = [f"### Streams: XADD{' MAXLEN ~ 1000' if a.trim else ''} ({started:%Y-%m-%d}, `python3 perf/stream_bench.py --runs {a.runs}{opts}`)", "",
             f"Medians. Server on cores {'0' if a.threads == 1 else '0,1'} (FastKv --threads {a.threads}, Redis on core 0), "
             "redis-benchmark on core 1, 50 clients, 1000 streams.", ""]
    lines += tables(res, [""], "XADDs")
    lines += ["", f"Bytes per entry (one stream of {a.entries} entries, used_memory growth): "
              + ", ".join(f"{k} {v:.1f}" for k, v in mem.items())]
    if "fastkv" in mem and "redis7.2" in mem and mem["redis7.2"]:
        lines.append(f"FastKv / Redis 7.2.4, bytes per entry (target <= 1.0x): {mem['fastkv'] / mem['redis7.2']:.2f}x")
    finish(lines, a.record)


def group_main(a, servers, started):
    res = run_all(servers, [int(x) for x in a.pipelines.split(",")], a.runs,
                  lambda p: a.requests or (200_000 if p == 1 else 1_000_000),
                  lambda kind, p, n: one_group_run(kind, p, n, a.fastkv, a.streams, a.threads), "ops")
    opts = f" --streams {a.streams}" + (f" --threads {a.threads}" if a.threads != 1 else "")
    lines = [f"### Streams: XREADGROUP + XACK ({started:%Y-%m-%d}, `python3 perf/stream_bench.py --group --runs {a.runs}{opts}`)", "",
             f"Medians. Server on cores {'0' if a.threads == 1 else '0,1'} (FastKv --threads {a.threads}, Redis on core 0), "
             f"redis-benchmark on core 1, 50 clients, {a.streams} streams of {a.streams} entries, one group.", ""]
    lines += tables(res, ["XREADGROUP", "XACK"], "ops")
    finish(lines, a.record)


if __name__ == "__main__":
    main()
