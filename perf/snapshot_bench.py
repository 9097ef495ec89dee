#!/usr/bin/env python3
"""Persistence benchmarks of issue 12 (persistence design section 7), side by side with Redis 7.2.4 and
Debian's redis-server 7.0.15 on the same cores.

Every server holds the same dataset: N string keys key:000000000000 .. (redis-benchmark's -r key names, so
its load overwrites exactly these keys) with 100-byte values, filled by a pipelined filler (redis-cli --pipe)
and checked with DBSIZE. The values are random printable bytes (base64 of random data): LZF finds nothing to
compress in them, so every server writes about the same bytes (--values x fills with redis-benchmark's 'xxx..'
instead, which LZF shrinks to a few bytes).

Placement: the server process on core 0 under taskset (FastKv whole, its file writer thread included, as
Redis's fork child inherits its parent's pin), FastKv --threads 2 on cores 0-1; redis-benchmark, the filler
and this script on core 1. Every timed part runs under flock(/tmp/fastkv-bench.lock).

  1 bgsave    BGSAVE wall time (BGSAVE sent -> INFO rdb_bgsave_in_progress:0, polled every 10 ms) and the
              file's size, rdbcompression yes, no load; FastKv at --threads 1 and 2.
  2 memory    peak extra memory during one BGSAVE under 100% SET overwrite load (redis-benchmark -t set
              -r N -d 100, 50 clients, pipeline 1): FastKv's VmRSS, Redis's PSS of the parent plus the PSS
              of its fork child (smaps_rollup; PSS splits the pages they share), sampled every 15 ms; the
              peak minus the median of the second before BGSAVE, as % of used_memory. Redis's own
              rdb_last_cow_size is shown beside it.
  3 latency   p99 of GET and SET 1:1 (two redis-benchmark processes at once, -t get and -t set, 25 clients
              each, -r N -d 100), pipeline 1 and 16, without BGSAVE and with BGSAVE started again whenever
              the previous one ended, across the whole window (coverage = share of the window with a
              BGSAVE in progress); the cut pause (INFO latest_fork_usec: FastKv's cut, Redis's fork) of
              every BGSAVE of parts 1-3.
  4 load      startup load time of the N-key file (process start -> PING answers +PONG, not -LOADING;
              DBSIZE checked): FastKv's file and Redis's files, each loaded by every server that reads its
              version (Redis 7.0.15 reads RDB 10 only, so not the 7.2.4 or FastKv v11 files).

Medians of --runs runs (default 3); ratios FastKv / Redis, 7.2.4 first. --record appends the tables to
perf/RESULTS.md.

  flock is taken inside; run as:   scripts/publish && python3 perf/snapshot_bench.py [--keys 5000000] [--record]
  quick check:                      python3 perf/snapshot_bench.py --keys 200000 --runs 1 --window 3

Usage: snapshot_bench.py [--keys N] [--runs R] [--window S] [--parts bgsave,memory,latency,load]
                         [--servers fastkv,redis7.2,redis7.0] [--values random|x] [--fastkv PATH] [--record]
"""
import argparse, base64, datetime, fcntl, json, os, random, re, shutil, socket, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cacheload import ROOT, FASTKV, ORACLE, DEBIAN_REDIS, Conn, info_int, median, free_port  # noqa: E402

LOCK = "/tmp/fastkv-bench.lock"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CPUS = {1: "0", 2: "0,1"}
CLIENT_CPU = 1 if (os.cpu_count() or 1) > 1 else 0
LABELS = {"fastkv": "FastKv", "redis7.2": "Redis 7.2.4", "redis7.0": "Redis 7.0.15"}


class BenchLock:
    """flock(2) on the machine's benchmark lock, the same lock `flock /tmp/fastkv-bench.lock cmd` takes."""

    def __enter__(self):
        self.f = open(LOCK, "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def label(kind, threads=1):
    return LABELS[kind] + (f" t{threads}" if kind == "fastkv" else "")


class Server:
    """One server process on core set SERVER_CPUS[threads], persistence in dir, no save points.
    started/ready: perf_counter at spawn and at the first +PONG."""

    def __init__(self, kind, d, threads=1, fastkv=FASTKV, dbfilename="dump.rdb", extra=()):
        self.kind, self.threads, self.dir, self.port = kind, threads, d, free_port()
        cpus = SERVER_CPUS[threads]
        if kind == "fastkv":
            argv = ["taskset", "-c", cpus] + (["dotnet"] if fastkv.endswith(".dll") else []) + [fastkv, "--threads", str(threads)]
        else:
            argv = ["taskset", "-c", cpus, ORACLE if kind == "redis7.2" else DEBIAN_REDIS,
                    "--appendonly", "no", "--daemonize", "no"]
        argv += ["--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--dir", d,
                 "--dbfilename", dbfilename, "--rdbcompression", "yes"] + list(extra)
        self.log = open(os.path.join(d, f"{kind}-{self.port}.log"), "w")
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        self.ready = self.wait_pong()
        self.ctl = Conn(self.port)
        self.version = self.ctl.info("server").get("redis_version", "?")

    def wait_pong(self, timeout=600):
        """Polls PING every 2 ms (reconnecting while the port is closed) until +PONG; returns that moment."""
        deadline = time.perf_counter() + timeout
        c = None
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode} (log {self.log.name})")
            try:
                if c is None:
                    c = Conn(self.port)
                if c.call("PING") == b"+PONG\r\n":
                    t = time.perf_counter()
                    c.close()
                    return t
            except OSError:
                c = None
            time.sleep(0.002)
        raise RuntimeError(f"{self.kind} did not answer PING on {self.port}")

    def info(self, section="all"):
        return self.ctl.info(section)

    def call(self, *args):
        return self.ctl.call(*args)

    def dbsize(self):
        return int(self.call("DBSIZE")[1:-2])

    def stop(self):
        try:
            self.ctl.close()
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# ---------------------------------------------------------------------------------------------- fill

def fill(s, n, values):
    """SET key:%012d -> 100-byte value for every i < n through redis-cli --pipe on the client core."""
    rnd = random.Random(12)
    pool = base64.b64encode(rnd.randbytes(1 << 20))
    span = len(pool) - 100
    xs = b"x" * 100
    cli = subprocess.Popen(["taskset", "-c", str(CLIENT_CPU), "redis-cli", "-p", str(s.port), "--pipe"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    step = 20000
    for start in range(0, n, step):
        parts = []
        for i in range(start, min(start + step, n)):
            if values == "x":
                v = xs
            else:
                o = (i * 7919) % span
                v = pool[o:o + 100]
            parts.append(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$100\r\n%s\r\n" % (i, v))
        cli.stdin.write(b"".join(parts))
    cli.stdin.close()
    out = cli.stdout.read().decode(errors="replace")
    cli.wait()
    keys = s.dbsize()
    if keys != n or "errors: 0" not in out:
        raise RuntimeError(f"{label(s.kind, s.threads)}: DBSIZE {keys} after filling {n} keys ({out.strip()})")


# ------------------------------------------------------------------------------------- BGSAVE helpers

def bgsave(s, poll=0.01):
    """Sends BGSAVE, waits until rdb_bgsave_in_progress:0; returns (seconds, INFO persistence after)."""
    t0 = time.perf_counter()
    r = s.call("BGSAVE")
    if not r.startswith(b"+"):
        raise RuntimeError(f"{s.kind}: BGSAVE answered {r!r}")
    while True:
        p = s.info("persistence")
        if p.get("rdb_bgsave_in_progress") == "0":
            t = time.perf_counter() - t0
            break
        time.sleep(poll)
    if p.get("rdb_last_bgsave_status") != "ok":
        raise RuntimeError(f"{s.kind}: BGSAVE failed ({p})")
    return t, p


def pss_rss(pid):
    """(PSS, RSS) in bytes from /proc/PID/smaps_rollup, (0, 0) once the process is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return pss, rss


def vmrss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def server_pid(s):
    """The server's pid (taskset execs the server in place)."""
    return s.proc.pid


def memory_now(s):
    """FastKv: VmRSS. Redis: PSS of the parent plus PSS of every child (the fork child while it lives)."""
    pid = server_pid(s)
    if s.kind == "fastkv":
        return vmrss(pid)
    total = pss_rss(pid)[0]
    for c in children(pid):
        total += pss_rss(c)[0]
    return total


# ------------------------------------------------------------------------------------------- part 1

def process_cpu(pid, children=False):
    """CPU seconds of the whole process: utime + stime of /proc/pid/stat, which keep the time of threads that have
    exited (FastKv's snapshot writer thread ends with each snapshot; a sum over task_cpu would lose it); with
    children, plus cutime + cstime (children it has reaped, such as Redis's fork)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return sum(int(x) for x in parts[11:15 if children else 13]) / CLK_TCK


def task_cpu(pid):
    """{(tid, thread name): CPU seconds} of every thread of pid (utime + stime)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                st = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        parts = st.rsplit(")", 1)[1].split()
        out[(int(tid), name)] = (int(parts[11]) + int(parts[12])) / CLK_TCK
    return out


class SaveProfile(threading.Thread):
    """Where a BGSAVE's time goes, sampled every 10 ms from the client core: CPU seconds per thread of the server
    (and of Redis's fork child, which is gone once it ends: its last sample counts) and the moment the temp file
    stops growing (every byte handed to the kernel; the rest is fsync and rename)."""

    def __init__(self, s):
        super().__init__(daemon=True)
        self.s, self.stopping = s, threading.Event()
        self.cpu0 = task_cpu(server_pid(s))
        self.last, self.size, self.grew_at = {}, 0, 0.0
        self.t0 = time.perf_counter()

    def run(self):
        pid = server_pid(self.s)
        while not self.stopping.is_set():
            for p in [pid] + children(pid):
                for k, v in task_cpu(p).items():
                    self.last[(p,) + k] = v
            for x in os.listdir(self.s.dir):
                if x.startswith("temp-") and x.endswith(".rdb"):
                    try:
                        n = os.path.getsize(os.path.join(self.s.dir, x))
                    except FileNotFoundError:
                        continue
                    if n > self.size:
                        self.size, self.grew_at = n, time.perf_counter() - self.t0
            time.sleep(0.01)

    def finish(self):
        self.stopping.set()
        self.join()
        pid = server_pid(self.s)
        by_name = {}
        for (p, tid, name), v in self.last.items():
            used = v - self.cpu0.get((tid, name), 0.0) if p == pid else v
            if used <= 0:
                continue
            who = name if p == pid else "fork child"
            if who.startswith(".NET") or who.startswith("fastkv-server"):
                who = "runtime/other"
            by_name[who] = by_name.get(who, 0.0) + used
        return {"written_s": self.grew_at, "cpu": {k: round(v, 2) for k, v in sorted(by_name.items(), key=lambda x: -x[1])}}


def part_bgsave(s, runs, res):
    """BGSAVE wall time and file size, no load, and where the time went (SaveProfile)."""
    times, forks, peaks, profiles = [], [], [], []
    for _ in range(runs):
        with BenchLock():
            prof = SaveProfile(s)
            prof.start()
            t, p = bgsave(s)
            profiles.append(prof.finish())
        times.append(t)
        forks.append(info_int(s.info("stats"), "latest_fork_usec"))
        peaks.append(info_int(p, "fastkv_snapshot_peak_bytes"))
        print(f"    {t:.2f} s: last byte to the kernel at {profiles[-1]['written_s']:.2f} s, CPU s by thread {profiles[-1]['cpu']}", flush=True)
        time.sleep(0.5)
    size = os.path.getsize(os.path.join(s.dir, "dump.rdb"))
    res.update(bgsave_s=times, file_bytes=size, cut_us=forks, snapshot_peak=peaks, profile=profiles)
    print(f"  bgsave {label(s.kind, s.threads)}: {['%.2f' % x for x in times]} s, {size} bytes, cut/fork us {forks}", flush=True)


# ------------------------------------------------------------------------------------------- part 2

def start_load(s, n, pipeline=1, test="set", clients=50, requests=0):
    cmd = ["taskset", "-c", str(CLIENT_CPU), "redis-benchmark", "-p", str(s.port), "-t", test, "-r", str(n),
           "-d", "100", "-c", str(clients), "-P", str(pipeline), "--csv"]
    cmd += ["-n", str(requests)] if requests else ["-l", "-n", "100000000"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def part_memory(s, n, runs, res):
    """Peak extra memory during BGSAVE under 100% SET overwrite load."""
    rows = []
    for _ in range(runs):
        with BenchLock():
            load = start_load(s, n)
            try:
                time.sleep(2.0)
                used = info_int(s.info("memory"), "used_memory")
                before = []
                t_end = time.perf_counter() + 1.0
                while time.perf_counter() < t_end:
                    before.append(memory_now(s))
                    time.sleep(0.015)
                base = median(before)
                state = {"done": False}

                def save():
                    state["t"], state["p"] = bgsave(s, poll=0.02)
                    state["done"] = True

                th = threading.Thread(target=save, daemon=True)
                th.start()
                peak = base
                samples = 0
                while not state["done"]:
                    m = memory_now(s)
                    samples += 1
                    peak = max(peak, m)
                    time.sleep(0.015)
                th.join()
            finally:
                load.terminate()
                load.wait()
        p = state["p"]
        fork = info_int(s.info("stats"), "latest_fork_usec")
        row = {"extra": peak - base, "base": base, "used": used, "pct": 100.0 * (peak - base) / used,
               "bgsave_s": state["t"], "samples": samples, "cut_us": fork,
               "cow": info_int(p, "rdb_last_cow_size"), "snapshot_peak": info_int(p, "fastkv_snapshot_peak_bytes")}
        rows.append(row)
        print(f"  memory {label(s.kind, s.threads)}: extra {row['extra'] / 2**20:.1f} MiB = {row['pct']:.2f}% of "
              f"used_memory {used / 2**20:.0f} MiB, BGSAVE {row['bgsave_s']:.2f} s under load, {samples} samples, "
              f"cow {row['cow'] / 2**20:.1f} MiB, in flight {row['snapshot_peak'] / 2**20:.1f} MiB", flush=True)
        time.sleep(1.0)
    res["memory"] = rows


# ------------------------------------------------------------------------------------------- part 3

def parse_csv(out):
    """redis-benchmark --csv: "test","rps","avg","min","p50","p95","p99","max" -> dict of the last data row."""
    rows = [l for l in out.splitlines() if l.startswith('"') and not l.startswith('"test"')]
    if not rows:
        raise RuntimeError(f"no redis-benchmark result in {out!r}")
    f = [x.strip('"') for x in rows[-1].split(",")]
    return {"rps": float(f[1]), "p50": float(f[4]), "p99": float(f[6]), "max": float(f[7])}


def mixed_run(s, n, pipeline, requests):
    """GET and SET 1:1: two redis-benchmark processes of 25 clients at once. Returns (get, set, seconds)."""
    t0 = time.perf_counter()
    g = start_load(s, n, pipeline, "get", 25, requests)
    w = start_load(s, n, pipeline, "set", 25, requests)
    go, wo = g.communicate()[0], w.communicate()[0]
    return parse_csv(go), parse_csv(wo), time.perf_counter() - t0


class BgsaveLoop(threading.Thread):
    """BGSAVE again and again until stopped; records each one's cut pause and the time BGSAVE was running."""

    def __init__(self, s):
        super().__init__(daemon=True)
        self.c = Conn(s.port)
        self.stopping = threading.Event()
        self.cuts, self.busy, self.count = [], 0.0, 0

    def run(self):
        while not self.stopping.is_set():
            t0 = time.perf_counter()
            r = self.c.call("BGSAVE")
            if not r.startswith(b"+"):
                time.sleep(0.01)
                continue
            while True:
                p = self.c.info("persistence")
                if p.get("rdb_bgsave_in_progress") == "0":
                    break
                time.sleep(0.02)
            self.busy += time.perf_counter() - t0
            self.count += 1
            self.cuts.append(info_int(self.c.info("stats"), "latest_fork_usec"))

    def stop(self):
        self.stopping.set()
        self.join()
        self.c.close()


def part_latency(s, n, runs, window, res):
    out = {}
    for pipeline in (1, 16):
        # Calibrate the request count so one run lasts about `window` seconds.
        with BenchLock():
            g, w, secs = mixed_run(s, n, pipeline, 20000 * pipeline)
        requests = max(int(20000 * pipeline * window / secs), 10000)
        rows = {"without": [], "with": []}
        for r in range(runs):
            for mode in (("without", "with") if r % 2 == 0 else ("with", "without")):
                with BenchLock():
                    loop = BgsaveLoop(s) if mode == "with" else None
                    if loop:
                        loop.start()
                        time.sleep(0.05)
                    g, w, secs = mixed_run(s, n, pipeline, requests)
                    if loop:
                        loop.stop()
                row = {"get": g, "set": w, "secs": secs}
                if loop:
                    row.update(coverage=min(loop.busy / secs, 1.0), cuts=loop.cuts, count=loop.count)
                rows[mode].append(row)
                print(f"  latency {label(s.kind, s.threads)} P{pipeline} {mode}: GET p99 {g['p99']:.3f} ms, SET p99 "
                      f"{w['p99']:.3f} ms, {g['rps'] + w['rps']:.0f} ops/s, {secs:.1f} s"
                      + (f", {loop.count} BGSAVEs covering {row['coverage']:.0%}, cuts us {loop.cuts}" if loop else ""),
                      flush=True)
        out[pipeline] = rows
    res["latency"] = out


# ------------------------------------------------------------------------------------------- part 4

def part_load(files, servers, n, runs, work, fastkv, results):
    """Each file loaded by each server that reads its version: start -> +PONG."""
    for fname, (path, version) in files.items():
        for kind, threads in servers:
            if kind == "redis7.0" and version > 10:
                continue
            d = tempfile.mkdtemp(prefix="load-", dir=work)
            os.link(path, os.path.join(d, "dump.rdb"))
            times, inner = [], []
            for _ in range(runs):
                with BenchLock():
                    s = Server(kind, d, threads, fastkv)
                    t = s.ready - s.started
                    keys = s.dbsize()
                    s.stop()
                with open(s.log.name) as f:
                    m = re.search(r"DB loaded from disk: ([\d.]+) seconds", f.read())
                inner.append(float(m.group(1)) if m else float("nan"))
                if keys != n:
                    raise RuntimeError(f"{label(kind, threads)} loaded {keys} keys of {n} from {fname}")
                times.append(t)
            shutil.rmtree(d)
            results.setdefault("load", {}).setdefault(fname, {})[label(kind, threads)] = times
            results.setdefault("load_logged", {}).setdefault(fname, {})[label(kind, threads)] = inner
            print(f"  load {fname} by {label(kind, threads)}: {['%.2f' % x for x in times]} s "
                  f"(the server's own 'DB loaded from disk': {['%.2f' % x for x in inner]} s)", flush=True)


def rdb_version(path):
    with open(path, "rb") as f:
        head = f.read(9)
    return int(head[5:9])


# ------------------------------------------------------------------------------------------- report

def med(xs):
    return median(xs) if xs else float("nan")


def ratio(a, b):
    return f"{a / b:.2f}" if b else "-"


def report(R, a, commit, versions, started, elapsed):
    L = []
    cmd = "python3 perf/snapshot_bench.py " + " ".join(sys.argv[1:])
    L.append(f"### {started} commit {commit}: snapshots (perf/snapshot_bench.py)\n")
    L.append(f"`flock`-guarded parts of `{cmd}` ({elapsed:.0f} s): {a.keys} string keys key:000000000000.. with "
             f"100-byte {'random printable' if a.values == 'random' else 'x'} values, rdbcompression yes; servers under "
             f"taskset on core 0 (FastKv --threads 2 on cores 0-1, its file writer thread included), redis-benchmark "
             f"and the filler on core {CLIENT_CPU}; {a.runs} run(s), medians; ratios FastKv / Redis 7.2.4 then / "
             f"Redis 7.0.15; {os.cpu_count()} CPUs shared with other work; versions {versions}.\n")
    reds = [k for k in ("redis7.2", "redis7.0") if k in R]
    fk = sorted(k for k in R if k.startswith("fastkv"))
    if any("bgsave_s" in R[k] for k in R):
        L.append("| BGSAVE, no load | wall s | file bytes | bytes/s | cut/fork pause us (median/max) | vs 7.2.4 | vs 7.0.15 | "
                 "median run: last byte to the kernel at s; CPU s by thread |")
        L.append("|---|---|---|---|---|---|---|---|")
        for k in fk + reds:
            r = R[k]
            if "bgsave_s" not in r:
                continue
            t = med(r["bgsave_s"])
            vs = [ratio(t, med(R[x]["bgsave_s"])) if k in fk and "bgsave_s" in R.get(x, {}) else "" for x in ("redis7.2", "redis7.0")]
            prof = ""
            if r.get("profile"):
                order = sorted(range(len(r["bgsave_s"])), key=lambda i: r["bgsave_s"][i])
                pm = r["profile"][order[len(order) // 2]]
                prof = f"{pm['written_s']:.2f}; " + ", ".join(f"{k} {v:.2f}" for k, v in pm["cpu"].items())
            L.append(f"| {r['label']} | {t:.2f} | {r['file_bytes']} | {r['file_bytes'] / t / 1e6:.0f} MB/s | "
                     f"{med(r['cut_us']):.0f}/{max(r['cut_us'])} | {vs[0]} | {vs[1]} | {prof} |")
        L.append("")
    if any("memory" in R[k] for k in R):
        L.append("| peak extra memory during BGSAVE, 100% SET overwrite P1 | extra MiB | % of used_memory | used_memory MiB | "
                 "BGSAVE s under load | Redis rdb_last_cow_size MiB / FastKv bytes in flight MiB | vs 7.2.4 | vs 7.0.15 |")
        L.append("|---|---|---|---|---|---|---|---|")
        for k in fk + reds:
            r = R[k]
            if "memory" not in r:
                continue
            m = r["memory"]
            pct = med([x["pct"] for x in m])
            vs = [ratio(pct, med([x["pct"] for x in R[x]["memory"]])) if k in fk and "memory" in R.get(x, {}) else "" for x in ("redis7.2", "redis7.0")]
            other = med([x["snapshot_peak"] if k in fk else x["cow"] for x in m])
            L.append(f"| {r['label']} | {med([x['extra'] for x in m]) / 2**20:.1f} | {pct:.2f}% | {med([x['used'] for x in m]) / 2**20:.0f} | "
                     f"{med([x['bgsave_s'] for x in m]):.1f} | {other / 2**20:.1f} | {vs[0]} | {vs[1]} |")
        L.append("")
    if any("latency" in R[k] for k in R):
        L.append("| GET:SET 1:1, 50 clients | pipeline | GET p99 ms without / during BGSAVE | SET p99 ms without / during | "
                 "ops/s without / during | during / without (p99 GET, SET) | BGSAVE coverage | cut/fork us median/max | "
                 "p99 during vs 7.2.4 (GET, SET) | vs 7.0.15 |")
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        for k in fk + reds:
            r = R[k]
            if "latency" not in r:
                continue
            for p, rows in r["latency"].items():
                def m(mode, op, key="p99"):
                    return med([x[op][key] for x in rows[mode]])
                cuts = [c for x in rows["with"] for c in x["cuts"]]
                ops = [med([x["get"]["rps"] + x["set"]["rps"] for x in rows[mode]]) for mode in ("without", "with")]
                vs = []
                for x in ("redis7.2", "redis7.0"):
                    o = R.get(x, {}).get("latency", {}).get(p)
                    if k in fk and o:
                        vs.append(f"{ratio(m('with', 'get'), med([y['get']['p99'] for y in o['with']]))}, "
                                  f"{ratio(m('with', 'set'), med([y['set']['p99'] for y in o['with']]))}")
                    else:
                        vs.append("")
                L.append(f"| {r['label']} | {p} | {m('without', 'get'):.3f} / {m('with', 'get'):.3f} | "
                         f"{m('without', 'set'):.3f} / {m('with', 'set'):.3f} | {ops[0]:.0f} / {ops[1]:.0f} | "
                         f"{ratio(m('with', 'get'), m('without', 'get'))}, {ratio(m('with', 'set'), m('without', 'set'))} | "
                         f"{med([x['coverage'] for x in rows['with']]):.0%} | {med(cuts) if cuts else 0:.0f}/{max(cuts) if cuts else 0} | "
                         f"{vs[0]} | {vs[1]} |")
        L.append("")
    if "load" in R:
        L.append("| startup load, start -> +PONG | loaded by | s | keys/s | server's own 'DB loaded from disk' s | vs 7.2.4 loading the same file | vs 7.0.15 |")
        L.append("|---|---|---|---|---|---|---|")
        for fname, by in R["load"].items():
            for who, times in by.items():
                t = med(times)
                vs = [ratio(t, med(by[x])) if who.startswith("FastKv") and x in by else "" for x in ("Redis 7.2.4", "Redis 7.0.15")]
                logged = med(R.get("load_logged", {}).get(fname, {}).get(who, []))
                L.append(f"| {fname} | {who} | {t:.2f} | {a.keys / t / 1e6:.2f}M | {logged:.2f} | {vs[0]} | {vs[1]} |")
        L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--window", type=float, default=15.0, help="seconds per latency run")
    ap.add_argument("--parts", default="bgsave,memory,latency,load")
    ap.add_argument("--servers", default="fastkv,redis7.2,redis7.0")
    ap.add_argument("--values", default="random", choices=["random", "x"])
    ap.add_argument("--fastkv", default=FASTKV)
    ap.add_argument("--fastkv-threads", default="1,2", help="FastKv --threads for part 1 and 4 (parts 2-3 use 1)")
    ap.add_argument("--work", default="", help="directory for the servers' files (default: a temp dir, removed)")
    ap.add_argument("--json", default="", help="also write the raw results here")
    ap.add_argument("--record", action="store_true")
    a = ap.parse_args()
    os.sched_setaffinity(0, {CLIENT_CPU})
    parts = set(a.parts.split(","))
    kinds = a.servers.split(",")
    if "fastkv" in kinds and not os.path.exists(a.fastkv):
        raise SystemExit(f"{a.fastkv} is missing: run scripts/publish first")
    work = a.work or tempfile.mkdtemp(prefix="snapbench-")
    os.makedirs(work, exist_ok=True)
    started, t_start = datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    R, files, versions = {}, {}, {}
    instances = []
    for k in kinds:
        for t in ([int(x) for x in a.fastkv_threads.split(",")] if k == "fastkv" else [1]):
            instances.append((k, t))
    try:
        for kind, threads in instances:
            name = f"fastkv-t{threads}" if kind == "fastkv" else kind
            need = parts & ({"bgsave", "load"} if threads > 1 else {"bgsave", "memory", "latency", "load"})
            if not need or (threads > 1 and not parts & {"bgsave"}):
                continue
            d = os.path.join(work, name)
            os.makedirs(d, exist_ok=True)
            s = Server(kind, d, threads, a.fastkv)
            versions[label(kind, threads)] = s.version
            res = R.setdefault(name, {"label": label(kind, threads)})
            try:
                print(f"{label(kind, threads)} (pid {s.proc.pid}, port {s.port}): filling {a.keys} keys", flush=True)
                with BenchLock():
                    t0 = time.perf_counter()
                    fill(s, a.keys, a.values)
                print(f"  filled in {time.perf_counter() - t0:.1f} s, used_memory "
                      f"{info_int(s.info('memory'), 'used_memory') / 2**20:.0f} MiB, RSS {vmrss(s.proc.pid) / 2**20:.0f} MiB", flush=True)
                if "bgsave" in parts or "load" in parts:
                    part_bgsave(s, a.runs if "bgsave" in parts else 1, res)
                    if threads == 1 or kind != "fastkv":
                        f = os.path.join(work, f"{kind}.rdb")
                        shutil.copyfile(os.path.join(d, "dump.rdb"), f)
                        files[f"{LABELS[kind]}'s file (RDB {rdb_version(f)})"] = (f, rdb_version(f))
                    if "bgsave" not in parts:
                        del res["bgsave_s"]
                if threads == 1 and "memory" in parts:
                    part_memory(s, a.keys, a.runs, res)
                if threads == 1 and "latency" in parts:
                    part_latency(s, a.keys, a.runs, a.window, res)
            finally:
                s.stop()
                for x in os.listdir(d):
                    if x.endswith(".rdb"):
                        os.remove(os.path.join(d, x))
        if "load" in parts:
            loaders = [(k, t) for k, t in instances]
            part_load(files, loaders, a.keys, a.runs, work, a.fastkv, R)  # R["load"]: file -> server -> times
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(R, f, indent=1)
    text = report(R, a, commit, ", ".join(f"{k} {v}" for k, v in versions.items()), started, time.perf_counter() - t_start)
    print(text)
    if a.record:
        with open(os.path.join(ROOT, "perf/RESULTS.md"), "a") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
