"""Shared pieces of the cache benchmarks (hitrate.py, evict_pause.py, evict_fill.py): the servers under
test launched the way bench.py launches them, INFO and /proc readings, a pipelined raw-socket client, and
a background sampler of used_memory.

The servers:
  fastkv      the NativeAOT binary of this checkout (artifacts/publish/aot/fastkv-server, made by
              scripts/publish), not under taskset so .NET sees every core (as in bench.py); at --threads 1
              with per-thread affinity, so the shard thread pins itself to the first core (the server core),
              at --threads N unpinned
  redis7.2    the Redis 7.2.4 oracle beside the checkout (bench.ORACLE), under taskset
  redis7.0    Debian's redis-server 7.0.15 from PATH, under taskset
All run without persistence, bound to 127.0.0.1 on a free port. Ratios in the scripts are FastKv / Redis 7.2.4.
"""
import os, shutil, socket, subprocess, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, ORACLE, free_port, cpu_seconds, rss_bytes  # noqa: E402,F401  (one place for paths, ports, /proc)

FASTKV = os.path.join(ROOT, "artifacts", "publish", "aot", "fastkv-server")
DEBIAN_REDIS = shutil.which("redis-server") or "redis-server"


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def frame_end(buf, pos):
    """End of the RESP2 frame starting at pos, or -1 if buf does not hold all of it yet."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return -1
    t = buf[pos]
    if t in (43, 45, 58):  # + - :
        return nl + 2
    n = int(buf[pos + 1:nl])
    if t == 36:  # $
        end = nl + 2 + (n + 2 if n >= 0 else 0)
        return end if len(buf) >= end else -1
    p = nl + 2
    for _ in range(max(n, 0)):
        p = frame_end(buf, p)
        if p < 0:
            return -1
    return p


class Conn:
    """A blocking connection for control commands (INFO, CONFIG, DBSIZE)."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def call(self, *args):
        self.s.sendall(enc(*args))
        while True:
            e = frame_end(self.buf, 0) if self.buf else -1
            if e >= 0:
                frame = bytes(self.buf[:e])
                del self.buf[:e]
                return frame
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk

    def info(self, section="all"):
        text = self.call("INFO", section).split(b"\r\n", 1)[1].decode()
        fields = {}
        for line in text.split("\r\n"):
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                fields[k] = v
        return fields

    def close(self):
        self.s.close()


def info_int(fields, name):
    try:
        return int(fields.get(name, "0"))
    except ValueError:
        return 0


class Server:
    """One server process on a free port; kind is fastkv, redis7.2 or redis7.0."""

    def __init__(self, kind, cpu=0, threads=1, config=(), fastkv=FASTKV, fastkv_args=()):
        self.kind, self.port = kind, free_port()
        conf = []
        for k, v in config:
            conf += ["--" + k, str(v)]
        if kind == "fastkv":
            if not os.path.exists(fastkv):
                raise SystemExit(f"{fastkv} is missing: run scripts/publish first")
            argv = [fastkv, "--threads", str(threads), "--save", "", "--bind", "127.0.0.1"]
            if threads == 1:
                argv += ["--thread-affinity", "yes"]
            argv += list(fastkv_args)
        else:
            binary = ORACLE if kind == "redis7.2" else DEBIAN_REDIS
            argv = ["taskset", "-c", str(cpu), binary, "--save", "", "--appendonly", "no", "--daemonize", "no",
                    "--bind", "127.0.0.1"]
        self.proc = subprocess.Popen(argv + ["--port", str(self.port)] + conf,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{kind} exited with {self.proc.returncode} at start ({' '.join(argv + conf)})")
            try:
                self.ctl = Conn(self.port)
                if self.ctl.call("PING") == b"+PONG\r\n":
                    break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"{kind} did not answer PING on {self.port}")
                time.sleep(0.1)
        self.version = self.ctl.info("server").get("redis_version", "?")

    def info(self, section="all"):
        return self.ctl.info(section)

    def cpu(self):
        return cpu_seconds(self.proc.pid)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        try:
            self.ctl.close()
        except OSError:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def label(kind, threads=1):
    return {"fastkv": f"FastKv t{threads}" if threads != 1 else "FastKv", "redis7.2": "Redis 7.2.4",
            "redis7.0": "Redis 7.0.15"}[kind]


class MemorySampler(threading.Thread):
    """Polls INFO memory on its own connection every interval seconds while the load runs (so the samples
    fall while commands are in flight, not only between batches). samples: (time, used_memory)."""

    def __init__(self, port, interval=0.05):
        super().__init__(daemon=True)
        self.conn, self.interval = Conn(port), interval
        self.samples, self.stopping = [], threading.Event()

    def run(self):
        while not self.stopping.is_set():
            try:
                used = info_int(self.conn.info("memory"), "used_memory")
            except (OSError, ValueError):
                return
            self.samples.append((time.perf_counter(), used))
            self.stopping.wait(self.interval)

    def stop(self):
        self.stopping.set()
        self.join()
        self.conn.close()

    def max_after(self, t):
        """The highest used_memory sampled at or after time t (0 when none)."""
        return max((u for when, u in self.samples if when >= t), default=0)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return float("nan")
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def pin_self(cpu):
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        pass


def cpus():
    """(server core, client core): 0 and 1 when there are two or more."""
    n = os.cpu_count() or 1
    return 0, (1 if n > 1 else 0)
