#!/usr/bin/env python3
"""Filling past maxmemory, every policy: does used_memory stay at the limit, with which errors and evictions.

memtier_benchmark is not installed, so this emulates its fill: 50 connections, SET key:N (N as 8
digits) with 32-byte values, keys sequential (N = 0, 1, 2, ... as memtier's --key-pattern=P:P) or random (R:R, uniform over the
key range), PIPELINE commands in flight per connection (memtier's --pipeline). Under the volatile-* policies
a share of the keys (TTL_SHARE, chosen by key number so a key keeps its kind when written again) is set
with SETEX and a TTL between 600 and 3600 s (memtier's --expiry-range), as a cache with some expiring
entries; under the others every key is a plain SET.

The key count is FILL x maxmemory / (Redis 7.2.4's used_memory growth per key, measured on a 200k-key fill
without a limit): 4x the data the limit allows. used_memory is sampled every 50 ms on a separate connection
while the fill runs. Reported per policy and server (FastKv at --threads 1 and --threads 4, Redis 7.2.4):

  steady      the highest used_memory / maxmemory sampled over the last half of the fill (issue 11: <= 1.02)
  peak        the highest over the whole fill; end: at the end
  errors      error replies (noeviction must answer Redis's exact OOM error; volatile-* once no TTL key is left)
  evicted     evicted_keys; keys: DBSIZE at the end, and how many of them have no TTL
  fill s      wall time of the fill (the Python client is usually the limit; a rough comparison only)
  TTL check   volatile-* with sequential keys: every plain SET that succeeded must still be there
              (volatile-* evicts only keys with a TTL): "ok" when keys without TTL == successful plain SETs

  perf/evict_fill.py                          # 64mb, 8 policies, sequential keys, a few minutes
  perf/evict_fill.py --patterns random        # the same with random keys
  perf/evict_fill.py --quick                  # 16mb, under a minute
(no timing here: the lock is not needed, but the run loads both cores)

Usage: evict_fill.py [--quick] [--maxmemory 64mb] [--fill 4] [--policies P,...] [--patterns seq,random]
                     [--servers fastkv,fastkv4,redis7.2[,redis7.0]] [--conns 50] [--pipeline 16]
                     [--ttl-share 0.5] [--fastkv PATH] [--record]
"""
import argparse, datetime, os, random, socket, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import ROOT, FASTKV, Server, MemorySampler, info_int, label, cpus, pin_self  # noqa: E402

POLICIES = ["noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
            "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]
OOM = "-OOM command not allowed when used memory > 'maxmemory'."
VALUE = b"x" * 32


def has_ttl(k, share):
    return (k * 2654435761) % 1000 < share * 1000


SET_FMT = b"*3\r\n$3\r\nSET\r\n$12\r\nkey:%08d\r\n$32\r\n" + VALUE + b"\r\n"
SETEX_FMT = b"*4\r\n$5\r\nSETEX\r\n$12\r\nkey:%08d\r\n$%d\r\n%d\r\n$32\r\n" + VALUE + b"\r\n"


def commands(ks, ttl_share, rnd):
    """The bytes of SETs (or SETEX for the keys that have a TTL) of keys ks, and which of them have a TTL."""
    if not ttl_share:
        return b"".join([SET_FMT % k for k in ks]), None
    parts, kinds = [], []
    for k in ks:
        if has_ttl(k, ttl_share):
            ttl = rnd.randint(600, 3600)
            parts.append(SETEX_FMT % (k, len(str(ttl)), ttl))
            kinds.append(True)
        else:
            parts.append(SET_FMT % k)
            kinds.append(False)
    return b"".join(parts), kinds


def fill(port, keys, total, pattern, conns, pipeline, ttl_share, on_half):
    """total SETs over conns connections; returns counts. on_half() is called once half of them are sent."""
    socks = []
    for _ in range(conns):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socks.append(s)
    rnd = random.Random(3)
    c = {"ok": 0, "plain_ok": 0, "errors": 0, "first_error": ""}
    sent, nxt, half_called = 0, 0, False
    while sent < total:
        batches = []
        for s in socks:
            n = min(pipeline, total - sent)
            if n <= 0:
                break
            if pattern == "seq":
                ks = range(nxt, nxt + n)
                nxt += n
            else:
                ks = [rnd.randrange(keys) for _ in range(n)]
            data, kinds = commands(ks, ttl_share, rnd)
            s.sendall(data)
            batches.append((s, n, kinds))
            sent += n
        if not half_called and sent >= total // 2:
            on_half()
            half_called = True
        for s, n, kinds in batches:
            buf = bytearray()
            while buf.count(b"\r\n") < n:
                chunk = s.recv(1 << 20)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                buf += chunk
            kinds = kinds or [False] * n
            if b"-" not in buf:
                c["ok"] += n
                c["plain_ok"] += kinds.count(False)
                continue
            for line, ttl in zip(bytes(buf).split(b"\r\n"), kinds):
                if line[:1] == b"+":
                    c["ok"] += 1
                    c["plain_ok"] += not ttl
                else:
                    c["errors"] += 1
                    c["first_error"] = c["first_error"] or line.decode(errors="replace")
    for s in socks:
        s.close()
    return c


def per_key_redis(server_cpu, conns, pipeline):
    s = Server("redis7.2", server_cpu)
    try:
        empty = info_int(s.info("memory"), "used_memory")
        n = 200_000
        fill(s.port, n, n, "seq", conns, pipeline, 0, lambda: None)
        return (info_int(s.info("memory"), "used_memory") - empty) / n
    finally:
        s.stop()


def run(a, kind, threads, policy, pattern, keys, server_cpu):
    s = Server(kind, server_cpu, threads=threads, fastkv=a.fastkv,
               config=[("maxmemory", a.maxmemory), ("maxmemory-policy", policy)])
    try:
        maxmemory = info_int(s.info("memory"), "maxmemory")
        sampler = MemorySampler(s.port)
        half = []
        sampler.start()
        t0 = time.perf_counter()
        ttl_share = a.ttl_share if policy.startswith("volatile-") else 0
        c = fill(s.port, keys, keys, pattern, a.conns, a.pipeline, ttl_share, lambda: half.append(time.perf_counter()))
        t1 = time.perf_counter()
        sampler.stop()
        if not s.alive():
            raise RuntimeError(f"{kind} exited during the fill (return code {s.proc.returncode})")
        mem, stats, ks = s.info("memory"), s.info("stats"), s.info("keyspace")
        dbsize = int(s.ctl.call("DBSIZE")[1:-2])
        expires = 0
        for v in ks.values():
            parts = dict(p.split("=") for p in v.split(","))
            expires += int(parts.get("expires", 0))
        check = "-"
        if ttl_share and pattern == "seq":
            check = "ok" if dbsize - expires == c["plain_ok"] else f"FAIL: {dbsize - expires} keys without TTL, {c['plain_ok']} plain SETs succeeded"
        if policy == "noeviction" and c["errors"]:
            check = "exact OOM" if c["first_error"] == OOM else f"FAIL: {c['first_error']!r}"
        return {"steady": sampler.max_after(half[0]) / maxmemory if half else 0,
                "peak": max((u for _, u in sampler.samples), default=0) / maxmemory,
                "end": info_int(mem, "used_memory") / maxmemory, "errors": c["errors"], "first_error": c["first_error"],
                "evicted": info_int(stats, "evicted_keys"), "keys": dbsize, "no_ttl": dbsize - expires, "check": check,
                "seconds": t1 - t0, "samples": len(sampler.samples), "version": s.version}
    finally:
        s.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="maxmemory 16mb, sequential keys only")
    ap.add_argument("--maxmemory", default="")
    ap.add_argument("--fill", type=float, default=4.0, help="data written, in multiples of maxmemory")
    ap.add_argument("--policies", default=",".join(POLICIES))
    ap.add_argument("--patterns", default="", help="seq, random or seq,random (default seq)")
    ap.add_argument("--servers", default="fastkv,fastkv4,redis7.2", help="fastkv (--threads 1), fastkv4 (--threads 4), redis7.2, redis7.0")
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--ttl-share", type=float, default=0.5)
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--record", action="store_true", help="append the table to perf/RESULTS.md")
    a = ap.parse_args()
    a.maxmemory = a.maxmemory or ("16mb" if a.quick else "64mb")
    patterns = (a.patterns or "seq").split(",")
    servers = a.servers.split(",")
    server_cpu, client_cpu = cpus()
    pin_self(client_cpu)
    t_start = time.time()
    per_key = per_key_redis(server_cpu, a.conns, a.pipeline)
    probe = Server("redis7.2", server_cpu, config=[("maxmemory", a.maxmemory)])
    maxmemory = info_int(probe.info("memory"), "maxmemory")
    probe.stop()
    keys = int(a.fill * maxmemory / per_key)
    print(f"Redis 7.2.4: {per_key:.1f} B/key; maxmemory {maxmemory}: {keys} keys per fill", flush=True)
    rows, versions = [], {}
    for pattern in patterns:
        for policy in a.policies.split(","):
            for srv in servers:
                kind, threads = ("fastkv", int(srv[6:] or 1)) if srv.startswith("fastkv") else (srv, 1)
                r = run(a, kind, threads, policy, pattern, keys, server_cpu)
                versions[srv] = r["version"]
                rows.append((pattern, policy, srv, kind, threads, r))
                print(f"  {pattern} {policy} {label(kind, threads)}: steady {r['steady']:.3f} peak {r['peak']:.3f} end {r['end']:.3f} "
                      f"errors {r['errors']} evicted {r['evicted']} keys {r['keys']} (no TTL {r['no_ttl']}) {r['check']} "
                      f"{r['seconds']:.1f} s" + (f" first error {r['first_error']!r}" if r["first_error"] else ""), flush=True)
    elapsed = time.time() - t_start
    lines = ["| keys | policy | server | steady used/max | peak used/max | end used/max | errors | evicted_keys | keys held (no TTL) | check | fill s |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for pattern, policy, srv, kind, threads, r in rows:
        err = f"{r['errors']}" + (f" `{r['first_error']}`" if r["first_error"] and r["first_error"] != OOM else (" (OOM)" if r["errors"] else ""))
        flag = " **over 1.02**" if r["steady"] > 1.02 else ""
        lines.append(f"| {pattern} | {policy} | {label(kind, threads)} | {r['steady']:.3f}{flag} | {r['peak']:.3f} | {r['end']:.3f} | {err} | "
                     f"{r['evicted']} | {r['keys']} ({r['no_ttl']}) | {r['check']} | {r['seconds']:.1f} |")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    text = (f"### {datetime.date.today().isoformat()} commit {commit}: filling {a.fill:g}x past maxmemory (perf/evict_fill.py)\n\n"
            f"`perf/evict_fill.py {' '.join(sys.argv[1:])}` ({elapsed:.0f} s): maxmemory {a.maxmemory} ({maxmemory} B), "
            f"{keys} SETs of key:N with 32-byte values ({a.fill:g} x maxmemory at Redis 7.2.4's {per_key:.1f} B/key), "
            f"{a.conns} connections x {a.pipeline} in flight from one Python client on core {client_cpu}; volatile-*: "
            f"{a.ttl_share:.0%} of the keys by SETEX (TTL 600-3600 s); used_memory sampled every 50 ms; "
            + ", ".join(f"{label(*((('fastkv', int(k[6:] or 1))) if k.startswith('fastkv') else (k, 1)))} = {v}" for k, v in versions.items())
            + ".\n\n" + "\n".join(lines) + "\n")
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
