#!/usr/bin/env python3
"""Cache hit rate, side by side: FastKv and Redis 7.2.4 at the same maxmemory, one run.

The workload is a read-through cache: GETs of Zipf(0.99)-distributed keys over K keys (default 1M,
key:NNNNNNN; popularity rank mapped to key number through a fixed random permutation), and every miss is
followed by a SET of that key with a 100-byte value (SET-on-miss, sent in the connection's next batch).
The scan variant mixes in a periodic full sequential scan: after every SCAN_EVERY Zipf GETs comes a burst
of SCAN_LEN GETs (with SET-on-miss) of consecutive key numbers, the cursor carrying on where the previous
burst stopped, so over the measured part the bursts sweep the keyspace once (one-time reads: the pattern
LRU is weak against).

maxmemory is sized for Redis: Redis 7.2.4 without a limit is filled with all K keys first, its used_memory
growth per key measured, and maxmemory = empty used_memory + FRACTION x K x that; FastKv gets the same
maxmemory. Each (fraction, policy, scan) cell starts every server afresh (servers in alternating order),
runs a warm-up part of the stream (the cache fills and settles) and then the measured part, the same
request sequence for every server. Reported per server:

  hit rate    client's own count over the measured Zipf GETs (scan GETs excluded), and INFO
              keyspace_hits / (hits + misses) over the measured part (every GET, scans included)
  keys        DBSIZE at the end; used_memory at the end; evicted_keys over the measured part
  ops/CPU-s   GETs + SETs of the measured part per CPU-second of the server process (utime + stime
              from /proc/PID/stat), and the server's CPU utilisation (under ~90%: the client was the limit)

The client is one Python process on the other core with CONNS connections, DEPTH commands in flight on
each (lockstep rounds: send on every connection, then read every connection). It cannot keep a server
busy; the hit rates are exact regardless, and ops per server CPU-second compares the servers' cost per
request at the same offered load. Ratios are FastKv / Redis 7.2.4.

Take the machine's benchmark lock around a run:

  perf/hitrate.py            # full run, a few minutes
  perf/hitrate.py --quick    # 100k keys, under a minute

Usage: hitrate.py [--quick] [--keys K] [--warmup N] [--requests N] [--fractions 0.1,0.3]
                  [--policies allkeys-lru,allkeys-lfu] [--scan both|no|only] [--scan-every N] [--scan-len N]
                  [--servers fastkv,redis7.2[,redis7.0]] [--rounds R] [--conns C] [--depth D]
                  [--fastkv PATH] [--fastkv-arg ARG]... [--record]
"""
import argparse, array, datetime, os, random, socket, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import (ROOT, FASTKV, Server, info_int, label, median, pin_self, cpus)  # noqa: E402

VALUE = b"v" * 100
GET_HEAD = b"*2\r\n$3\r\nGET\r\n$11\r\nkey:"
SET_HEAD = b"*3\r\n$3\r\nSET\r\n$11\r\nkey:"
SET_TAIL = b"\r\n$100\r\n" + VALUE + b"\r\n"
HIT_HEAD = b"$100\r\n"


def zipf_stream(keys, n, s, seed, scan_every, scan_len, scan_start):
    """n Zipf GETs as key numbers (>= 0), with bursts of scan GETs (-(key + 1)) after every scan_every
    of them when scan_every > 0. Returns (stream, next scan cursor)."""
    rnd = random.Random(seed)
    perm = list(range(keys))
    random.Random(7).shuffle(perm)  # popularity rank -> key number, the same in every run
    cum, acc = [], 0.0
    for rank in range(1, keys + 1):
        acc += rank ** -s
        cum.append(acc)
    ranks = rnd.choices(range(keys), cum_weights=cum, k=n)
    out = array.array("i")
    cursor = scan_start
    if scan_every <= 0:
        out.extend(perm[r] for r in ranks)
        return out, cursor
    for i in range(0, n, scan_every):
        out.extend(perm[r] for r in ranks[i:i + scan_every])
        if i + scan_every <= n:
            out.extend(-((cursor + j) % keys) - 1 for j in range(scan_len))
            cursor = (cursor + scan_len) % keys
    return out, cursor


class Lane:
    """One connection of the load: what it sent this round and what it must SET next round."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pending = []   # keys that missed: SET at the start of the next batch
        self.sets = 0       # SET replies still expected this round
        self.gets = None    # the GETs of this round (signed key numbers)


def run_stream(port, stream, conns, depth):
    """Plays stream through conns pipelined connections; returns the client's counts."""
    lanes = [Lane(port) for _ in range(conns)]
    c = {"zipf_hits": 0, "zipf_misses": 0, "scan_hits": 0, "scan_misses": 0, "sets": 0, "errors": 0, "first_error": ""}
    n, at = len(stream), 0
    while at < n or any(l.pending for l in lanes):
        active = []
        for l in lanes:
            gets = stream[at:at + depth]
            at += len(gets)
            if not gets and not l.pending:
                continue
            parts = [SET_HEAD + b"%07d" % k + SET_TAIL for k in l.pending]
            parts.extend(GET_HEAD + b"%07d\r\n" % (k if k >= 0 else -k - 1) for k in gets)
            l.sets, l.gets, l.pending = len(l.pending), gets, []
            c["sets"] += l.sets
            l.s.sendall(b"".join(parts))
            active.append(l)
        for l in active:
            read_replies(l, c)
    for l in lanes:
        l.s.close()
    return c


def read_replies(l, c):
    buf, pos, i, gets = l.buf, 0, 0, l.gets
    ng = len(gets)
    while True:
        n = len(buf)
        while l.sets:
            nl = buf.find(b"\r\n", pos)
            if nl < 0:
                break
            if buf[pos] != 43:  # not +OK
                c["errors"] += 1
                c["first_error"] = c["first_error"] or bytes(buf[pos:nl]).decode(errors="replace")
            pos, l.sets = nl + 2, l.sets - 1
        if not l.sets:
            while i < ng and pos + 5 <= n:
                if buf[pos + 1] == 45:  # $-1: a miss
                    k = gets[i]
                    if k >= 0:
                        c["zipf_misses"] += 1
                        l.pending.append(k)
                    else:
                        c["scan_misses"] += 1
                        l.pending.append(-k - 1)
                    pos += 5
                else:
                    if pos + 108 > n:
                        break
                    if buf[pos:pos + 6] != HIT_HEAD:
                        raise RuntimeError("unexpected GET reply: %r" % bytes(buf[pos:pos + 80]))
                    if gets[i] >= 0:
                        c["zipf_hits"] += 1
                    else:
                        c["scan_hits"] += 1
                    pos += 108
                i += 1
            if i == ng:
                del buf[:pos]
                return
        del buf[:pos]
        pos = 0
        chunk = l.s.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk


def fill_all(port, keys, conns, depth):
    """SET every key once (the sizing fill)."""
    lanes = [Lane(port) for _ in range(conns)]
    k = 0
    while k < keys:
        active = []
        for l in lanes:
            if k >= keys:
                break
            top = min(keys, k + depth * 4)
            l.s.sendall(b"".join(SET_HEAD + b"%07d" % x + SET_TAIL for x in range(k, top)))
            l.sets, l.gets, k = top - k, (), top
            active.append(l)
        c = {"errors": 0, "first_error": ""}
        for l in active:
            read_replies(l, c)
        if c["errors"]:
            raise RuntimeError("fill failed: " + c["first_error"])
    for l in lanes:
        l.s.close()


def size_for_redis(a, server_cpu):
    """Redis 7.2.4's used_memory when empty and its growth per key after all keys are SET."""
    s = Server("redis7.2", server_cpu)
    try:
        empty = info_int(s.info("memory"), "used_memory")
        fill_all(s.port, a.keys, a.conns, a.depth)
        full = info_int(s.info("memory"), "used_memory")
        return empty, (full - empty) / a.keys
    finally:
        s.stop()


def cell(a, kind, maxmemory, policy, warm, meas, server_cpu):
    s = Server(kind, server_cpu, config=[("maxmemory", maxmemory), ("maxmemory-policy", policy)], fastkv=a.fastkv,
               fastkv_args=a.fastkv_arg)
    try:
        run_stream(s.port, warm, a.conns, a.depth)
        i0, c0, t0 = s.info("stats"), s.cpu(), time.perf_counter()
        c = run_stream(s.port, meas, a.conns, a.depth)
        i1, c1, t1 = s.info("stats"), s.cpu(), time.perf_counter()
        if not s.alive():
            raise RuntimeError(f"{kind} exited during the run")
        mem = s.info("memory")
        hits = info_int(i1, "keyspace_hits") - info_int(i0, "keyspace_hits")
        misses = info_int(i1, "keyspace_misses") - info_int(i0, "keyspace_misses")
        zipf = c["zipf_hits"] + c["zipf_misses"]
        allgets = zipf + c["scan_hits"] + c["scan_misses"]
        ops = allgets + c["sets"]
        return {"hit": c["zipf_hits"] / max(zipf, 1), "hit_all": (c["zipf_hits"] + c["scan_hits"]) / max(allgets, 1),
                "info_hit": hits / max(hits + misses, 1), "info_gets": hits + misses, "gets": allgets,
                "keys": int(s.ctl.call("DBSIZE")[1:-2]), "used": info_int(mem, "used_memory"),
                "evicted": info_int(i1, "evicted_keys") - info_int(i0, "evicted_keys"),
                "ops_cpu": ops / max(c1 - c0, 1e-9), "util": (c1 - c0) / max(t1 - t0, 1e-9),
                "ops_s": ops / max(t1 - t0, 1e-9), "errors": c["errors"], "first_error": c["first_error"],
                "version": s.version}
    finally:
        s.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="100k keys, fewer requests, 10%% cache only")
    ap.add_argument("--keys", type=int, default=0)
    ap.add_argument("--zipf", type=float, default=0.99)
    ap.add_argument("--warmup", type=int, default=0, help="Zipf GETs before measuring (default 1.5 x keys)")
    ap.add_argument("--requests", type=int, default=0, help="measured Zipf GETs (default 2 x keys)")
    ap.add_argument("--fractions", default="", help="cache sizes as fractions of the data (default 0.1,0.3)")
    ap.add_argument("--policies", default="allkeys-lru,allkeys-lfu")
    ap.add_argument("--scan", choices=["both", "no", "only"], default="both")
    ap.add_argument("--scan-every", type=int, default=0, help="Zipf GETs between scan bursts (default keys / 5)")
    ap.add_argument("--scan-len", type=int, default=0, help="GETs per scan burst (default keys / 10)")
    ap.add_argument("--servers", default="fastkv,redis7.2", help="comma list of fastkv, redis7.2, redis7.0")
    ap.add_argument("--rounds", type=int, default=1, help="runs per cell and server (medians reported)")
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--depth", type=int, default=64, help="GETs per connection per round")
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--fastkv-arg", action="append", default=[],
                    help="extra FastKv argument, repeatable (e.g. --fastkv-arg=--fastkv-cache-mode --fastkv-arg=yes)")
    ap.add_argument("--record", action="store_true", help="append the table to perf/RESULTS.md")
    a = ap.parse_args()
    a.keys = a.keys or (100_000 if a.quick else 1_000_000)
    a.warmup = a.warmup or int(a.keys * 1.5)
    a.requests = a.requests or a.keys * 2
    a.scan_every = a.scan_every or a.keys // 5
    a.scan_len = a.scan_len or a.keys // 10
    fractions = [float(x) for x in (a.fractions or ("0.1" if a.quick else "0.1,0.3")).split(",")]
    policies = a.policies.split(",")
    scans = {"both": [False, True], "no": [False], "only": [True]}[a.scan]
    servers = a.servers.split(",")
    server_cpu, client_cpu = cpus()
    pin_self(client_cpu)

    t_start = time.time()
    empty, per_key = size_for_redis(a, server_cpu)
    print(f"Redis 7.2.4: used_memory empty {empty}, {per_key:.1f} B/key after SET of {a.keys} keys", flush=True)
    streams = {}
    for scan in scans:
        every = a.scan_every if scan else 0
        warm, cursor = zipf_stream(a.keys, a.warmup, a.zipf, 1, every, a.scan_len, 0)
        meas, _ = zipf_stream(a.keys, a.requests, a.zipf, 2, every, a.scan_len, cursor)
        streams[scan] = (warm, meas)
    rows = []
    for frac in fractions:
        maxmemory = int(empty + frac * a.keys * per_key)
        for policy in policies:
            for scan in scans:
                res = {k: [] for k in servers}
                for rnd in range(a.rounds):
                    for kind in (servers if rnd % 2 == 0 else servers[::-1]):
                        r = cell(a, kind, maxmemory, policy, *streams[scan], server_cpu)
                        res[kind].append(r)
                        print(f"  {frac:.0%} {policy} {'scan' if scan else 'zipf'} {label(kind)}: hit {r['hit']:.4f} "
                              f"info {r['info_hit']:.4f} keys {r['keys']} used {r['used']} "
                              f"ops/s {r['ops_s']:.0f} ops/CPU-s {r['ops_cpu']:.0f} util {r['util']:.0%} errors {r['errors']}", flush=True)
                rows.append((frac, maxmemory, policy, scan, res))
    elapsed = time.time() - t_start

    def m(rs, key):
        return median([r[key] for r in rs])

    others = [k for k in servers if k != "fastkv"]
    ref = "redis7.2" if "redis7.2" in servers else (others[0] if others else None)
    lines = []
    head = "| cache | policy | workload | server | hit rate (client, Zipf GETs) | hit rate (INFO, all GETs) | keys held | used_memory | evicted | ops/CPU-s | server CPU | errors |"
    lines += [head, "|---" * (head.count("|") - 1) + "|"]
    ratio_lines = ["| cache | policy | workload | hit rate FastKv - Redis (points) | keys held FastKv/Redis | used_memory FastKv/Redis | ops/CPU-s FastKv/Redis |",
                   "|---|---|---|---|---|---|---|"]
    for frac, maxmemory, policy, scan, res in rows:
        wl = "Zipf + scan" if scan else "Zipf"
        for kind in servers:
            rs = res[kind]
            over = f" **{m(rs, 'used') / maxmemory:.2f}x maxmemory**" if m(rs, "used") > 1.02 * maxmemory else ""
            err = f"{m(rs, 'errors'):.0f}" + (f" ({rs[0]['first_error']})" if rs[0]["first_error"] else "")
            lines.append(f"| {frac:.0%} ({maxmemory / 2**20:.1f} MB) | {policy} | {wl} | {label(kind)} | {m(rs, 'hit'):.4f} | "
                         f"{m(rs, 'info_hit'):.4f} | {m(rs, 'keys'):.0f} | {m(rs, 'used'):.0f}{over} | {m(rs, 'evicted'):.0f} | "
                         f"{m(rs, 'ops_cpu'):.0f} | {m(rs, 'util'):.0%} | {err} |")
        if "fastkv" in res and ref:
            f, r = res["fastkv"], res[ref]
            ratio_lines.append(f"| {frac:.0%} | {policy} | {wl} | {100 * (m(f, 'hit') - m(r, 'hit')):+.2f} | "
                               f"{m(f, 'keys') / max(m(r, 'keys'), 1):.2f} | {m(f, 'used') / max(m(r, 'used'), 1):.2f} | "
                               f"{m(f, 'ops_cpu') / max(m(r, 'ops_cpu'), 1e-9):.2f} |")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    versions = ", ".join(f"{label(k)} = {res[k][0]['version']}" for k in servers)
    text = (f"### {datetime.date.today().isoformat()} commit {commit}: cache hit rate (perf/hitrate.py)\n\n"
            f"`perf/hitrate.py {' '.join(sys.argv[1:])}` ({elapsed:.0f} s): {a.keys} keys, Zipf({a.zipf}), 100-byte values, "
            f"SET on miss; warm-up {a.warmup} and measured {a.requests} Zipf GETs"
            + (f"; scan: a burst of {a.scan_len} sequential GETs after every {a.scan_every} Zipf GETs" if True in scans else "")
            + f"; maxmemory = Redis 7.2.4's empty used_memory ({empty}) + fraction x keys x {per_key:.1f} B/key "
            f"(its growth per key at a full fill); samples 5; {a.conns} connections x {a.depth} in flight from one Python "
            f"client on core {client_cpu}, servers on core {server_cpu}; {a.rounds} round(s), medians; {versions}.\n\n"
            + "\n".join(lines) + "\n\n" + "\n".join(ratio_lines) + "\n")
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
