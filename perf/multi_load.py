#!/usr/bin/env python3
"""MULTI/EXEC load for perf/bench.py: redis-benchmark sends one command per request (its -t tests have no
transactions, and a custom command line is a single command), so this client sends each transaction
(MULTI, 5 commands on random keys, EXEC) as one write per connection and waits for its 7 replies.
Prints JSON: transactions per second and latency percentiles (ms). Single-threaded (selectors);
the "client-bound" note in bench.py tells when it, not the server, is the limit.

Usage: multi_load.py PORT CLIENTS TRANSACTIONS KEYSPACE
"""
import json, random, selectors, socket, sys, time


def enc(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def frame_end(buf, pos):
    """End of the RESP frame at pos, or -1 if incomplete."""
    nl = buf.find(b"\r\n", pos)
    if nl < 0:
        return -1
    t = buf[pos:pos + 1]
    if t in (b"+", b"-", b":", b"_"):
        return nl + 2
    n = int(buf[pos + 1:nl])
    if t == b"$":
        end = nl + 2 + max(n, 0) + (2 if n >= 0 else 0)
        return end if len(buf) >= end else -1
    p = nl + 2
    for _ in range(max(n, 0)):
        p = frame_end(buf, p)
        if p < 0:
            return -1
    return p


def main():
    port, clients, total, keyspace = (int(x) for x in sys.argv[1:5])
    rnd = random.Random(1)

    def tx():
        k = lambda: b"key:%d" % rnd.randrange(keyspace)
        return (enc("MULTI") + enc("SET", k(), "xxx") + enc("INCR", b"counter:%d" % rnd.randrange(keyspace)) +
                enc("GET", k()) + enc("SET", k(), "yyy") + enc("GET", k()) + enc("EXEC"))

    sel = selectors.DefaultSelector()
    state = {}
    sent = done = 0
    lat = []
    for _ in range(clients):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        state[s] = [bytearray(), 0.0]
        sel.register(s, selectors.EVENT_READ)
    t0 = time.perf_counter()
    for s in state:
        if sent < total:
            state[s][1] = time.perf_counter()
            s.sendall(tx())
            sent += 1
    while done < total:
        for key, _ in sel.select():
            s = key.fileobj
            st = state[s]
            st[0] += s.recv(1 << 16)
            pos, frames = 0, 0
            while frames < 7:
                e = frame_end(st[0], pos)
                if e < 0:
                    break
                pos, frames = e, frames + 1
            if frames < 7:
                continue
            del st[0][:pos]
            done += 1
            now = time.perf_counter()
            lat.append((now - st[1]) * 1000)
            if sent < total:
                st[1] = now
                s.sendall(tx())
                sent += 1
    elapsed = time.perf_counter() - t0
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p / 100))]
    print(json.dumps({"rps": total / elapsed, "p50": pct(50), "p99": pct(99), "p999": pct(99.9), "errors": 0}))


if __name__ == "__main__":
    main()
