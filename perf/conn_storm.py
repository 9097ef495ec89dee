#!/usr/bin/env python3
"""Connection storms, side by side: FastKv and Redis 7.2.4 in one run, as a new user would meet them.

Two measurements, each against both servers (each pinned to its own core with taskset, this script
to the other one):

  connect   N sequential connections (default 10,000): connect, PING, read +PONG, close. Wall time.
  memory    load 50,000 keys and one 64 MB value, GET the 64 MB value once, then two storms of
            N concurrent connections (all open at once, each sends PING and reads the reply, then
            all close). RSS (/proc/PID/status) and INFO used_memory / mem_clients_normal after the
            load, after each storm, and SETTLE seconds after the last one.

Both servers get --maxclients 2N so the storm is never refused, and no persistence. Ratios are
FastKv / Redis. Take the machine's benchmark lock around a run:

  perf/conn_storm.py --fastkv artifacts/publish/aot/fastkv-server

Usage: conn_storm.py [--fastkv PATH] [--redis PATH] [--threads N] [--conns N] [--rounds R]
                     [--only connect|memory] [--settle S] [--record]
"""
import argparse, datetime, os, resource, socket, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, ORACLE, free_port  # noqa: E402  (one place for the paths and the port picker)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def recv_reply(s):
    """One RESP reply, read whole (the shapes this script asks for: +, $ and -)."""
    buf = b""
    while b"\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    head, rest = buf.split(b"\r\n", 1)
    if head[:1] != b"$" or head == b"$-1":
        return head
    need = int(head[1:]) + 2
    parts, have = [rest], len(rest)
    while have < need:
        chunk = s.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        parts.append(chunk)
        have += len(chunk)
    return b"".join(parts)[:-2]


def command(s, *args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    s.sendall(b"".join(out))
    return recv_reply(s)


def info(port, section="memory"):
    with socket.create_connection(("127.0.0.1", port)) as s:
        text = command(s, "INFO", section).decode()
    fields = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


class Server:
    def __init__(self, name, argv, port, cpu):
        self.name, self.port = name, port
        self.proc = subprocess.Popen(["taskset", "-c", str(cpu)] + argv, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    if command(s, "PING") == b"+PONG":
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not start on port {port}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def rss(self):
        return rss_bytes(self.proc.pid)


def start(kind, args, cpu):
    port = free_port()
    maxclients = str(2 * args.conns + 100)
    if kind == "redis":
        argv = [args.redis, "--port", str(port), "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--maxclients", maxclients, "--bind", "127.0.0.1"]
    else:
        argv = [args.fastkv, "--port", str(port), "--threads", str(args.threads), "--maxclients", maxclients,
                "--bind", "127.0.0.1"]
    return Server(kind, argv, port, cpu)


def sequential_connects(port, n):
    t0 = time.perf_counter()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        if s.recv(64) != b"+PONG\r\n":
            raise RuntimeError("bad PING reply")
        s.close()
    return time.perf_counter() - t0


def storm(port, n):
    """n connections open at once, each PINGs, then all close."""
    socks = []
    for _ in range(n):
        socks.append(socket.create_connection(("127.0.0.1", port)))
    for s in socks:
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
    for s in socks:
        if s.recv(64) != b"+PONG\r\n":
            raise RuntimeError("bad PING reply")
    for s in socks:
        s.close()


def load(port):
    with socket.create_connection(("127.0.0.1", port)) as s:
        batch = []
        for i in range(50_000):
            batch.append(b"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$10\r\nvalue-%04d\r\n" % (len(b"key:%d" % i), i, i % 10000))
            if len(batch) == 1000:
                s.sendall(b"".join(batch))
                got = 0
                while got < len(batch) * 5:
                    got += len(s.recv(65536))
                batch = []
        big = b"x" * (64 << 20)
        if command(s, "SET", "big", big) != b"+OK":
            raise RuntimeError("SET big failed")
        if len(command(s, "GET", "big")) != len(big):
            raise RuntimeError("GET big returned a different length")


def mem_row(server, when):
    f = info(server.port)
    return {"when": when, "rss": server.rss(), "used": int(f.get("used_memory", 0)),
            "clients": int(f.get("mem_clients_normal", 0))}


def memory_run(args, kind, cpu):
    srv = start(kind, args, cpu)
    try:
        rows = [mem_row(srv, "started")]
        load(srv.port)
        rows.append(mem_row(srv, "after load + GET 64 MB"))
        for r in range(2):
            storm(srv.port, args.conns)
            time.sleep(0.5)
            rows.append(mem_row(srv, f"after storm {r + 1}"))
        time.sleep(args.settle)
        rows.append(mem_row(srv, f"{args.settle:g} s later"))
        return rows
    finally:
        srv.stop()


def connect_run(args, kind, cpu):
    srv = start(kind, args, cpu)
    try:
        sequential_connects(srv.port, 200)  # warm up (JIT, pools)
        return [sequential_connects(srv.port, args.conns) for _ in range(args.rounds)]
    finally:
        srv.stop()


def mb(n):
    return f"{n / (1 << 20):.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fastkv", default=os.path.join(ROOT, "artifacts", "publish", "aot", "fastkv-server"))
    ap.add_argument("--redis", default=ORACLE)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--conns", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--only", choices=["connect", "memory"])
    ap.add_argument("--record", action="store_true", help="append the tables to perf/RESULTS.md")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.conns + 100:
        sys.exit(f"open-file limit {hard} is below {args.conns + 100}: raise it or pass a smaller --conns")
    ncpu = os.cpu_count() or 1
    server_cpu, client_cpu = 0, 1 % ncpu
    os.sched_setaffinity(0, {client_cpu})

    out = []
    out.append(f"### Connection storm, {datetime.date.today().isoformat()}\n")
    out.append(f"`{' '.join(['perf/conn_storm.py'] + sys.argv[1:])}`; FastKv `{os.path.relpath(args.fastkv, ROOT)}` "
               f"--threads {args.threads}, Redis `{os.path.basename(os.path.dirname(args.redis))}`; "
               f"servers on core {server_cpu}, client on core {client_cpu}; N = {args.conns}.\n")
    if args.only in (None, "connect"):
        times = {}
        for kind in ("redis", "fastkv"):
            times[kind] = connect_run(args, kind, server_cpu)
        r, f = statistics.median(times["redis"]), statistics.median(times["fastkv"])
        out.append("| sequential connects (connect, PING, close) | Redis 7.2.4 s | FastKv s | FastKv/Redis |")
        out.append("|---|---|---|---|")
        out.append(f"| {args.conns}, median of {args.rounds} | {r:.3f} ({', '.join(f'{t:.3f}' for t in times['redis'])}) "
                   f"| {f:.3f} ({', '.join(f'{t:.3f}' for t in times['fastkv'])}) | {f / r:.2f}x |\n")
    if args.only in (None, "memory"):
        rows = {kind: memory_run(args, kind, server_cpu) for kind in ("redis", "fastkv")}
        out.append("| moment | Redis RSS MB | Redis used_memory MB | Redis mem_clients_normal MB "
                   "| FastKv RSS MB | FastKv used_memory MB | FastKv mem_clients_normal MB | RSS FastKv/Redis |")
        out.append("|---|---|---|---|---|---|---|---|")
        for a, b in zip(rows["redis"], rows["fastkv"]):
            out.append(f"| {a['when']} | {mb(a['rss'])} | {mb(a['used'])} | {mb(a['clients'])} "
                       f"| {mb(b['rss'])} | {mb(b['used'])} | {mb(b['clients'])} | {b['rss'] / a['rss']:.2f}x |")
        out.append("")
    text = "\n".join(out)
    print(text)
    if args.record:
        with open(os.path.join(ROOT, "perf", "RESULTS.md"), "a") as f:
            f.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
