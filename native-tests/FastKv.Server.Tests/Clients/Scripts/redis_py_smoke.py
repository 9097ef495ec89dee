"""redis-py against the server under test. Usage: redis_py_smoke.py PORT. Exit code 0 means every check held."""
import sys

import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)

assert r.ping() is True
r.flushdb()
assert r.set("py:a", "1") is True
assert r.get("py:a") == b"1"
assert r.get("py:missing") is None
assert r.set("py:a", "2", nx=True) is None
assert r.set("py:a", "3", xx=True) is True
assert r.incr("py:a") == 4
assert r.incrby("py:a", 10) == 14
assert r.decr("py:a") == 13
assert r.incrbyfloat("py:f", 1.5) == 1.5
assert r.mset({"py:m1": "x", "py:m2": b"\x00\xff", "py:{t}1": "t1", "py:{t}2": "t2"}) is True
assert r.mget(["py:m1", "py:m2", "py:nope", "py:{t}2"]) == [b"x", b"\x00\xff", None, b"t2"]
assert r.expire("py:m1", 1000) is True
ttl = r.ttl("py:m1")
assert 998 <= ttl <= 1000, ttl
assert r.persist("py:m1") is True
assert r.ttl("py:m1") == -1
assert r.set("py:e", "v", ex=100) is True
assert 99 <= r.ttl("py:e") <= 100
assert r.append("py:m1", "yz") == 3
assert r.strlen("py:m1") == 3
assert r.getrange("py:m1", 0, 1) == b"xy"
assert r.exists("py:m1", "py:m2", "py:nope") == 2
assert r.delete("py:m1", "py:nope") == 1
assert r.type("py:a") == b"string"

pipe = r.pipeline(transaction=False)
for i in range(100):
    pipe.set(f"py:p{i}", i)
for i in range(100):
    pipe.get(f"py:p{i}")
results = pipe.execute()
assert results[:100] == [True] * 100
assert results[100:] == [str(i).encode() for i in range(100)]

try:
    r.incr("py:m2")
    raise AssertionError("INCR of a non-integer must fail")
except redis.ResponseError as e:
    assert str(e) == "value is not an integer or out of range", str(e)

big = b"B" * 1_000_000
assert r.set("py:big", big) is True
assert r.get("py:big") == big
print("redis-py: all checks passed")
