#!/usr/bin/env python3
"""Side-by-side benchmark: FastKv and redis-server on the same pinned core, one run, A B A B.

Each server is pinned to one core (FastKv: --threads 1 with per-thread affinity, so .NET still sees
every core; redis-server: taskset), redis-benchmark to another. For every workload and round we
record throughput, p50/p99/p99.9 latency and the server's CPU time (utime+stime from /proc), and
report medians and the ratio FastKv/Redis. A row whose server used under 90% of a core is marked
client-bound: its throughput ratio says nothing about the server.

Usage: scripts/bench [--quick] [--rounds N] [--jit] [--requests N] [--only TEXT] [--no-memory] [--record]
"""
import argparse, datetime, json, os, re, socket, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / CLK_TCK  # utime, stime


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def wait_ready(port, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        try:
            out = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=2).stdout
            if "PONG" in out:
                return
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not answer PING")


class Server:
    def __init__(self, name, argv):
        self.name, self.argv = name, argv
        self.port = free_port()
        self.proc = subprocess.Popen(argv + ["--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(self.port, self.proc)

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port)] + list(args), capture_output=True, text=True).stdout

    def info_field(self, field):
        m = re.search(rf"^{field}:(\S+)", self.cli("info", "memory"), re.M)
        return int(m.group(1)) if m else 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start_fastkv(jit, server_cpu, extra=()):
    if jit:
        dll = os.path.join(ROOT, "src/FastKv.Server/bin/Release/net10.0/fastkv-server.dll")
        argv = ["dotnet", dll]
    else:
        argv = [os.path.join(ROOT, "artifacts/publish/aot/fastkv-server")]
    # Per-thread affinity: the shard thread pins itself to the first allowed core.
    return Server("fastkv", argv + ["--threads", "1", "--thread-affinity", "yes", "--save", ""] + list(extra)), server_cpu


# The Redis to compare with: the 7.2.4 oracle beside the checkout when present (the version FastKv targets),
# else redis-server from PATH; --redis names another (e.g. Debian's 7.0.15: --redis redis-server).
ORACLE = os.path.normpath(os.path.join(ROOT, "..", "shared", "oracle", "redis-7.2.4", "redis-server"))
REDIS = ORACLE if os.path.exists(ORACLE) else "redis-server"


def redis_version():
    out = subprocess.run([REDIS, "--version"], capture_output=True, text=True).stdout.split()
    return "redis-server " + out[2] if len(out) > 2 else REDIS


BASELINE = ""


def start_redis(server_cpu):
    if BASELINE:
        # Another FastKv build in Redis's place, launched exactly as the FastKv under test: a before/after A/B.
        return Server("redis", [BASELINE, "--threads", "1", "--thread-affinity", "yes", "--save", ""])
    return Server("redis", ["taskset", "-c", str(server_cpu), REDIS, "--save", "", "--appendonly", "no",
                            "--bind", "127.0.0.1"])


def parse_benchmark(out):
    rps = re.search(r"throughput summary: ([\d.]+) requests per second", out)
    pct = re.findall(r"^\s*([\d.]+)% <= ([\d.]+) milliseconds", out.split("Cumulative distribution")[0], re.M)
    def at(p):
        for q, ms in pct:
            if float(q) >= p:
                return float(ms)
        return float(pct[-1][1]) if pct else float("nan")
    errors = len(re.findall(r"^ERR|Error", out, re.M))
    return {"rps": float(rps.group(1)) if rps else 0.0, "p50": at(50), "p99": at(99), "p999": at(99.9), "errors": errors}


# Subscribers for the PUBLISH rows: one process holding N connections subscribed to "ch", draining all of them.
DRAIN = r"""
import selectors, socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
sel = selectors.DefaultSelector()
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"SUBSCRIBE ch\r\n")
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        if not key.fileobj.recv(1 << 20):
            sys.exit(0)
"""


def start_subscribers(server, n):
    proc = subprocess.Popen([sys.executable, "-c", DRAIN, str(server.port), str(n)], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    deadline = time.time() + 10
    while time.time() < deadline:
        out = server.cli("pubsub", "numsub", "ch")
        if out.split()[-1:] == [str(n)]:
            break
        time.sleep(0.05)
    return proc


def run_workload(server, wl, client_cpu, requests):
    server.cli("flushall")
    if wl.get("multi"):
        # MULTI/EXEC: redis-benchmark cannot send a transaction (see perf/multi_load.py); ops = transactions.
        n = max(requests // 10, 1000)
        c0, t0 = cpu_seconds(server.proc.pid), time.time()
        out = subprocess.run(["taskset", "-c", str(client_cpu), sys.executable, os.path.join(ROOT, "perf", "multi_load.py"),
                              str(server.port), str(wl["clients"]), str(n), str(wl["keyspace"])],
                             capture_output=True, text=True).stdout
        c1, t1 = cpu_seconds(server.proc.pid), time.time()
        r = json.loads(out)
        r["cpu"] = c1 - c0
        r["util"] = (c1 - c0) / max(t1 - t0, 1e-9)
        r["ops_per_cpu"] = n / max(c1 - c0, 1e-9)
        return r
    cmd = ["taskset", "-c", str(client_cpu), "redis-benchmark", "-p", str(server.port), "-n", str(requests),
           "-c", str(wl["clients"]), "-P", str(wl["pipeline"]), "--precision", "3"]
    if wl.get("keyspace"):
        cmd += ["-r", str(wl["keyspace"])]
    if wl.get("size"):
        cmd += ["-d", str(wl["size"])]
    if wl.get("prefill"):
        subprocess.run(["redis-benchmark", "-p", str(server.port), "-n", str(min(requests, wl["keyspace"] or requests)),
                        "-r", str(wl["keyspace"]), "-d", str(wl.get("size", 3)), "-P", "64", "-q"]
                       + (wl["prefill_args"] if wl.get("prefill_args") else ["-t", wl.get("prefill_test", "set")]),
                       capture_output=True)
    cmd += wl["args"]
    drain = start_subscribers(server, wl["subscribers"]) if wl.get("subscribers") else None
    c0, t0 = cpu_seconds(server.proc.pid), time.time()
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    c1, t1 = cpu_seconds(server.proc.pid), time.time()
    if drain:
        drain.kill()
        drain.wait()
    r = parse_benchmark(out.replace("\r", "\n"))
    r["cpu"] = c1 - c0
    r["util"] = (c1 - c0) / max(t1 - t0, 1e-9)
    r["ops_per_cpu"] = requests / max(c1 - c0, 1e-9)
    return r


def workloads(quick):
    K = 1_000_000
    w = []
    for p in ([1, 16] if quick else [1, 16, 64]):
        for size in ([32] if quick else [32, 512]):
            w.append({"name": f"SET {size}B P{p}", "clients": 50, "pipeline": p, "size": size, "keyspace": K, "args": ["-t", "set"]})
            w.append({"name": f"GET {size}B P{p}", "clients": 50, "pipeline": p, "size": size, "keyspace": K, "prefill": True, "args": ["-t", "get"]})
    w.append({"name": "INCR P1", "clients": 50, "pipeline": 1, "keyspace": K, "args": ["-t", "incr"]})
    w.append({"name": "MSET 10 keys P1", "clients": 50, "pipeline": 1, "keyspace": K, "args": ["-t", "mset"]})
    w.append({"name": "MGET 10 keys P1", "clients": 50, "pipeline": 1, "keyspace": K, "prefill": True,
              "args": ["mget"] + ["key:__rand_int__"] * 10})
    # Collections: redis-benchmark's own tests, one collection per test (LPUSH/RPOP on one list,
    # HSET/SADD/ZADD with random fields, so the collection grows into its large encoding).
    for p in ([16] if quick else [1, 16]):
        w.append({"name": f"LPUSH P{p}", "clients": 50, "pipeline": p, "keyspace": K, "args": ["-t", "lpush"]})
        w.append({"name": f"RPOP P{p}", "clients": 50, "pipeline": p, "keyspace": K, "prefill": True, "prefill_test": "lpush",
                  "args": ["-t", "rpop"]})
        w.append({"name": f"HSET P{p}", "clients": 50, "pipeline": p, "keyspace": K, "args": ["-t", "hset"]})
        w.append({"name": f"SADD P{p}", "clients": 50, "pipeline": p, "keyspace": K, "args": ["-t", "sadd"]})
        w.append({"name": f"ZADD P{p}", "clients": 50, "pipeline": p, "keyspace": K, "args": ["-t", "zadd"]})
    # Small hashes (listpack, stored inline in the key entry): HGET and a same-size HSET overwrite on 100k
    # hashes of 10 fields, random key per command.
    small = ["hset", "hash:__rand_int__"] + [x for f in range(10) for x in (f"field{f}", "value-%d" % f)]
    for p in ([16] if quick else [1, 16]):
        w.append({"name": f"HGET small hash P{p}", "clients": 50, "pipeline": p, "keyspace": 100_000, "prefill": True,
                  "prefill_args": small, "args": ["hget", "hash:__rand_int__", "field3"]})
        w.append({"name": f"HSET small hash P{p}", "clients": 50, "pipeline": p, "keyspace": 100_000, "prefill": True,
                  "prefill_args": small, "args": ["hset", "hash:__rand_int__", "field3", "__rand_int__"]})
    # MULTI + 5 commands (SET, INCR, GET, SET, GET on random keys, so over every shard) + EXEC, one
    # transaction in flight per connection; a row counts transactions.
    w.append({"name": "MULTI/EXEC 5 commands", "clients": 50, "pipeline": 1, "keyspace": K, "multi": True, "args": []})
    # Pub/Sub: PUBLISH to a channel with 1 and with 50 subscribers that drain continuously.
    for subs in (1, 50):
        w.append({"name": f"PUBLISH {subs} subscriber{'s' if subs > 1 else ''} P1", "clients": 50, "pipeline": 1,
                  "subscribers": subs, "args": ["publish", "ch", "__rand_int__"], "keyspace": K})
    return w


def memtier_stream(n):
    value = b"x" * 32
    parts = []
    for i in range(n):
        k = b"memtier-%d" % i
        parts.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$32\r\n%s\r\n" % (len(k), k, value))
    return b"".join(parts)


def small_hash_stream(n):
    """n hashes of 10 small fields (field1..field10, 8-byte values): the listpack encoding."""
    parts = []
    for i in range(n):
        k = b"hash:%d" % i
        args = [b"HSET", k]
        for f in range(10):
            args += [b"field%d" % f, b"val%05d" % (i % 100000)]
        parts.append(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in args))
    return b"".join(parts)


def memory_rows(make_fastkv, make_redis, counts, stream=memtier_stream):
    rows = []
    for n in counts:
        res = {}
        for name, make in (("fastkv", make_fastkv), ("redis", make_redis)):
            s = make()
            try:
                base_rss = rss_bytes(s.proc.pid)
                base_used = s.info_field("used_memory")
                # memtier_benchmark's key names (memtier-N) with 32-byte values, loaded by redis-cli --pipe.
                subprocess.run(["redis-cli", "-p", str(s.port), "--pipe"], input=stream(n),
                               capture_output=True)
                keys = int(s.cli("dbsize").strip() or 0)
                time.sleep(0.5)
                res[name] = {"keys": keys, "rss": (rss_bytes(s.proc.pid) - base_rss) / max(keys, 1),
                             "used": (s.info_field("used_memory") - base_used) / max(keys, 1)}
            finally:
                s.stop()
        rows.append((n, res))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer workloads and requests (a smoke run)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=0)
    ap.add_argument("--jit", action="store_true", help="benchmark the JIT build instead of the NativeAOT binary")
    ap.add_argument("--record", action="store_true", help="append the tables to perf/RESULTS.md")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--fastkv-arg", action="append", default=[],
                    help="extra server argument, repeatable (e.g. --fastkv-arg=--io-engine --fastkv-arg=uring)")
    ap.add_argument("--only", default="", help="run only workloads whose name matches this regular expression (e.g. 'P1$')")
    ap.add_argument("--baseline", default="", help="a FastKv binary to run in Redis's place, launched the same way (before/after A/B)")
    ap.add_argument("--redis", default="", help="the redis-server binary to compare with (default: the 7.2.4 oracle when present)")
    a = ap.parse_args()
    global REDIS, BASELINE
    if a.redis:
        REDIS = a.redis
    BASELINE = a.baseline
    requests = a.requests or (100_000 if a.quick else 500_000)
    ncpu = os.cpu_count() or 1
    server_cpu, client_cpu = 0, 1 if ncpu > 1 else 0
    wls = [w for w in workloads(a.quick) if re.search(a.only, w["name"])]
    results = {(w["name"], s): [] for w in wls for s in ("fastkv", "redis")}
    fk, _ = start_fastkv(a.jit, server_cpu, a.fastkv_arg)
    rd = start_redis(server_cpu)
    try:
        for rnd in range(a.rounds):
            for w in wls:
                for s in ((fk, rd) if rnd % 2 == 0 else (rd, fk)):
                    results[(w["name"], s.name)].append(run_workload(s, w, client_cpu, requests))
    finally:
        fk.stop()
        rd.stop()

    def med(name, srv, key):
        return statistics.median(r[key] for r in results[(name, srv)])

    lines = []
    lines.append(f"| workload | FastKv ops/s | Redis ops/s | ratio | FastKv p50/p99/p99.9 ms | Redis p50/p99/p99.9 ms | p99 ratio | FastKv ops/CPU-s | Redis ops/CPU-s | CPU-efficiency ratio | note |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for w in wls:
        n = w["name"]
        f = {k: med(n, "fastkv", k) for k in ("rps", "p50", "p99", "p999", "ops_per_cpu", "util", "errors")}
        r = {k: med(n, "redis", k) for k in ("rps", "p50", "p99", "p999", "ops_per_cpu", "util", "errors")}
        notes = []
        if f["util"] < 0.9 or r["util"] < 0.9:
            notes.append(f"client-bound (server CPU fastkv {f['util']:.0%}, redis {r['util']:.0%})")
        if f["errors"] or r["errors"]:
            notes.append(f"errors fastkv {f['errors']:.0f} redis {r['errors']:.0f}")
        lines.append(f"| {n} | {f['rps']:.0f} | {r['rps']:.0f} | {f['rps']/r['rps']:.2f} | {f['p50']:.3f}/{f['p99']:.3f}/{f['p999']:.3f} | "
                     f"{r['p50']:.3f}/{r['p99']:.3f}/{r['p999']:.3f} | {f['p99']/r['p99']:.2f} | {f['ops_per_cpu']:.0f} | {r['ops_per_cpu']:.0f} | "
                     f"{f['ops_per_cpu']/r['ops_per_cpu']:.2f} | {'; '.join(notes)} |")
    mem = []
    if not a.no_memory:
        counts = [100_000] if a.quick else [100_000, 1_000_000]
        rows = memory_rows(lambda: start_fastkv(a.jit, server_cpu, a.fastkv_arg)[0], lambda: start_redis(server_cpu), counts)
        mem.append("| keys (32-byte values) | FastKv RSS B/key | Redis RSS B/key | ratio | FastKv used_memory B/key | Redis used_memory B/key | ratio |")
        mem.append("|---|---|---|---|---|---|---|")
        for n, res in rows:
            f, r = res["fastkv"], res["redis"]
            mem.append(f"| {f['keys']} / {r['keys']} | {f['rss']:.1f} | {r['rss']:.1f} | {f['rss']/r['rss']:.2f} | {f['used']:.1f} | {r['used']:.1f} | {f['used']/r['used']:.2f} |")
        rows = memory_rows(lambda: start_fastkv(a.jit, server_cpu, a.fastkv_arg)[0], lambda: start_redis(server_cpu), [100_000],
                           stream=small_hash_stream)
        for n, res in rows:
            f, r = res["fastkv"], res["redis"]
            mem.append(f"| {f['keys']} / {r['keys']} hashes of 10 small fields | {f['rss']:.1f} | {r['rss']:.1f} | {f['rss']/r['rss']:.2f} | {f['used']:.1f} | {r['used']:.1f} | {f['used']/r['used']:.2f} |")
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    header = (f"### {datetime.date.today().isoformat()} commit {commit} ({'JIT' if a.jit else 'NativeAOT net10.0'})\n\n"
              f"`scripts/bench {' '.join(sys.argv[1:])}` — {a.rounds} rounds A/B alternating, {requests} requests per run, "
              f"50 clients, server pinned to CPU {server_cpu}, redis-benchmark to CPU {client_cpu}; "
              f"{os.cpu_count()} CPUs, {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}; "
              f"compared with {('FastKv baseline ' + BASELINE) if BASELINE else redis_version()}\n")
    text = header + "\n" + "\n".join(lines) + "\n" + ("\n" + "\n".join(mem) + "\n" if mem else "")
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf/RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
