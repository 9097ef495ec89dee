#!/usr/bin/env python3
"""Records what redis-benchmark sends, for the RespParsing benchmark.

A tiny fake server answers every command (+OK for SET, $-1 for GET, an empty array for anything else,
such as redis-benchmark's CONFIG GET probes) and keeps the bytes each connection sent. The first
32 KiB of whole commands of the SET connection and of the GET connection are written beside this file.

Usage: python3 perf/FastKv.Benchmarks/Data/capture.py   (needs redis-benchmark on PATH)
"""
import os, socket, subprocess, threading

HERE = os.path.dirname(os.path.abspath(__file__))
LIMIT = 32 * 1024
streams = []


def commands(buf):
    """Yields (name, end) for every complete multibulk command in buf."""
    pos = 0
    while pos < len(buf):
        nl = buf.find(b"\r\n", pos)
        if nl < 0 or buf[pos:pos + 1] != b"*":
            return
        n, p, name = int(buf[pos + 1:nl]), nl + 2, None
        for i in range(n):
            nl = buf.find(b"\r\n", p)
            if nl < 0:
                return
            ln = int(buf[p + 1:nl])
            if nl + 2 + ln + 2 > len(buf):
                return
            if i == 0:
                name = buf[nl + 2:nl + 2 + ln].upper()
            p = nl + 2 + ln + 2
        yield name, p
        pos = p


def serve(conn):
    data, done = bytearray(), 0
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
        replies = []
        for name, end in commands(bytes(data[done:])):
            replies.append(b"+OK\r\n" if name == b"SET" else b"$-1\r\n" if name == b"GET" else b"*0\r\n")
            last = done + end
        if replies:
            done = last
            conn.sendall(b"".join(replies))
    streams.append(bytes(data))
    conn.close()


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    port = srv.getsockname()[1]

    def accept():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set,get", "-P", "16", "-r", "100000",
                    "-n", "2000", "-c", "1", "-q"], check=True, stdout=subprocess.DEVNULL)
    srv.close()
    for name in (b"SET", b"GET"):
        stream = next(s for s in streams if s.startswith(b"*") and list(commands(s))[:1] and
                      list(commands(s))[0][0] == name and len(s) > LIMIT)
        cut = max(end for _, end in commands(stream[:LIMIT]))
        path = os.path.join(HERE, "redis-benchmark-%s-P16.bin" % name.decode().lower())
        with open(path, "wb") as f:
            f.write(stream[:cut])
        print(path, cut, "bytes,", len(list(commands(stream[:cut]))), "commands")


if __name__ == "__main__":
    main()
