#!/usr/bin/env python3
"""Writes src/FastKv.Engine/Dispatch/CommandFacts.g.cs from Redis 7.2.4's own answers.

Usage: scripts/gen_command_facts.py [path/to/redis-server]   (default: the 7.2.4 oracle in ../shared/oracle)

Starts the given redis-server on a free loopback port, asks it COMMAND INFO and COMMAND DOCS (RESP3) for
every command, and writes each command's facts (arity, flags, key positions, ACL categories, tips, key
specs, group, since, complexity, history, arguments) as C# data. Redis's summaries are not copied: FastKv's
own one-line summaries live in CommandSummaries.cs. Before writing, every reply is rebuilt from the parsed
facts and compared byte for byte with what the server sent, so the data misses nothing the replies carry.
"""
import os, socket, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_ORACLE = os.path.join(ROOT, "..", "shared", "oracle", "redis-7.2.4", "redis-server")
OUT = os.path.join(ROOT, "src", "FastKv.Engine", "Dispatch", "CommandFacts.g.cs")


class Reader:
    """A RESP3 reader that keeps each value's type: ('+', str), ('$', str), (':', int), ('*'|'~', list), ('%', pairs)."""

    def __init__(self, sock):
        self.sock, self.buf, self.pos, self.start = sock, b"", 0, 0

    def _fill(self):
        d = self.sock.recv(1 << 20)
        if not d:
            raise EOFError("server closed the connection")
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                line, self.pos = self.buf[self.pos:i], i + 2
                return line
            self._fill()

    def value(self):
        line = self._line()
        t, body = chr(line[0]), line[1:]
        if t in "+-":
            return (t, body.decode())
        if t == ":":
            return (t, int(body))
        if t == "$":
            n = int(body)
            while len(self.buf) - self.pos < n + 2:
                self._fill()
            s = self.buf[self.pos:self.pos + n].decode()
            self.pos += n + 2
            return (t, s)
        if t in "*~":
            return (t, [self.value() for _ in range(int(body))])
        if t == "%":
            return (t, [(self.value(), self.value()) for _ in range(int(body))])
        raise ValueError("unexpected reply " + repr(line))

    def raw(self):
        """The next value and its exact bytes."""
        start = self.pos
        v = self.value()
        return v, self.buf[start:self.pos]


def send(sock, *parts):
    sock.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p.encode()), p.encode()) for p in parts))


# ---- RESP3 encoding, used to prove the parsed facts rebuild the replies --------------------------------

def enc(v):
    t, x = v
    if t in "+-":
        return ("%s%s\r\n" % (t, x)).encode()
    if t == ":":
        return b":%d\r\n" % x
    if t == "$":
        b = x.encode()
        return b"$%d\r\n%s\r\n" % (len(b), b)
    if t in "*~":
        return ("%s%d\r\n" % (t, len(x))).encode() + b"".join(enc(e) for e in x)
    if t == "%":
        return b"%%%d\r\n" % len(x) + b"".join(enc(k) + enc(e) for k, e in x)
    raise ValueError(t)


def bulk(s): return ("$", s)
def simple(s): return ("+", s)
def num(n): return (":", n)
def mp(pairs): return ("%", [(bulk(k), v) for k, v in pairs])


FLAG_ORDER = ["write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking", "loading", "stale",
              "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth", "may_replicate", "no_mandatory_keys",
              "no_async_loading", "no_multi", "movablekeys", "allow_busy"]


def as_map(v):
    assert v[0] == "%", v
    return [(k[1], e) for k, e in v[1]]


def parse_keyspec(v):
    ks = {}
    for k, e in as_map(v):
        if k == "notes":
            assert e[0] == "$"; ks["notes"] = e[1]
        elif k == "flags":
            assert e[0] == "~" and all(f[0] == "+" for f in e[1]); ks["flags"] = [f[1] for f in e[1]]
        elif k in ("begin_search", "find_keys"):
            m = dict(as_map(e))
            spec = as_map(m["spec"])
            assert all(x[0] == ":" or x[0] == "$" for _, x in spec), spec
            ks[k] = (m["type"][1], [(n, x[0], x[1]) for n, x in spec])
        else:
            raise ValueError("key spec field " + k)
    return ks


def keyspec_value(ks):
    pairs = []
    if "notes" in ks:
        pairs.append(("notes", bulk(ks["notes"])))
    pairs.append(("flags", ("~", [simple(f) for f in ks["flags"]])))
    for part in ("begin_search", "find_keys"):
        kind, spec = ks[part]
        pairs.append((part, mp([("type", bulk(kind)), ("spec", mp([(n, (t, x)) for n, t, x in spec]))])))
    return mp(pairs)


def parse_info(v):
    t, e = v
    assert t == "*" and len(e) == 10, v
    flags = [f[1] for f in e[2][1]]
    assert all(f[0] == "+" for f in e[2][1])
    assert [f for f in FLAG_ORDER if f in flags] == flags, ("flag order", e[0][1], flags)
    info = {
        "name": e[0][1], "arity": e[1][1], "flags": flags, "first": e[3][1], "last": e[4][1], "step": e[5][1],
        "categories": [c[1] for c in e[6][1]], "tips": [x[1] for x in e[7][1]],
        "keyspecs": [parse_keyspec(k) for k in e[8][1]], "subcommands": [parse_info(s) for s in e[9][1]],
    }
    assert all(c[0] == "+" for c in e[6][1]) and all(x[0] == "$" for x in e[7][1])
    return info


def info_value(i, subs=True):
    return ("*", [bulk(i["name"]), num(i["arity"]), ("~", [simple(f) for f in i["flags"]]), num(i["first"]), num(i["last"]),
                  num(i["step"]), ("~", [simple(c) for c in i["categories"]]), ("~", [bulk(x) for x in i["tips"]]),
                  ("~", [keyspec_value(k) for k in i["keyspecs"]]),
                  # Redis answers a container's subcommands as an array, a command without any as an empty set.
                  ("*", [info_value(s) for s in i["subcommands"]]) if subs and i["subcommands"] else ("~", [])])


ARG_ORDER = ["name", "type", "display_text", "key_spec_index", "token", "summary", "since", "deprecated_since", "flags", "arguments"]
DOC_ORDER = ["summary", "since", "group", "complexity", "module", "doc_flags", "deprecated_since", "replaced_by", "history", "arguments", "subcommands"]


def parse_arg(v):
    a = {}
    keys = []
    for k, e in as_map(v):
        keys.append(k)
        if k == "key_spec_index":
            assert e[0] == ":"; a[k] = e[1]
        elif k == "flags":
            assert all(f[0] == "+" for f in e[1]); a[k] = [f[1] for f in e[1]]
        elif k == "arguments":
            a[k] = [parse_arg(x) for x in e[1]]
        else:
            assert e[0] == "$", (k, e); a[k] = e[1]
    assert [k for k in ARG_ORDER if k in keys] == keys, keys
    assert "summary" not in a, "argument summaries are not carried"
    return a


def arg_value(a):
    pairs = []
    for k in ARG_ORDER:
        if k not in a:
            continue
        x = a[k]
        if k == "key_spec_index": pairs.append((k, num(x)))
        elif k == "flags": pairs.append((k, ("~", [simple(f) for f in x])))
        elif k == "arguments": pairs.append((k, ("*", [arg_value(s) for s in x])))
        else: pairs.append((k, bulk(x)))
    return mp(pairs)


def parse_doc(v):
    d = {}
    keys = []
    for k, e in as_map(v):
        keys.append(k)
        if k == "summary":
            continue  # ours are written by hand
        if k == "doc_flags":
            assert all(f[0] == "+" for f in e[1]); d[k] = [f[1] for f in e[1]]
        elif k == "history":
            d[k] = [(h[1][0][1], h[1][1][1]) for h in e[1]]
            assert all(h[0] == "*" and len(h[1]) == 2 and h[1][0][0] == "$" and h[1][1][0] == "$" for h in e[1])
        elif k == "arguments":
            d[k] = [parse_arg(x) for x in e[1]]
        elif k == "subcommands":
            d[k] = {n[1]: parse_doc(s) for n, s in e[1]}
        else:
            assert e[0] == "$", (k, e); d[k] = e[1]
    assert [k for k in DOC_ORDER if k in keys] == keys, keys
    return d


def doc_value(d, summary):
    pairs = [("summary", bulk(summary))]
    for k in DOC_ORDER[1:]:
        if k not in d:
            continue
        x = d[k]
        if k == "doc_flags": pairs.append((k, ("~", [simple(f) for f in x])))
        elif k == "history": pairs.append((k, ("~", [("*", [bulk(a), bulk(b)]) for a, b in x])))
        elif k == "arguments": pairs.append((k, ("*", [arg_value(a) for a in x])))
        elif k == "subcommands": pairs.append((k, ("%", [(bulk(n), doc_value(s, summary)) for n, s in x.items()])))
        else: pairs.append((k, bulk(x)))
    return mp(pairs)


def strip_summaries(v):
    """The reply with every summary replaced by "", for the rebuild check."""
    t, x = v
    if t == "%":
        return (t, [(k, bulk("") if k == ("$", "summary") else strip_summaries(e)) for k, e in x])
    if t in "*~":
        return (t, [strip_summaries(e) for e in x])
    return v


# ---- C# output -------------------------------------------------------------------------------------------

def cs(s):
    return "null" if s is None else '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def cs_words(words):
    assert all(" " not in w for w in words), words
    return cs(" ".join(words))


SPEC_SHAPES = {  # (part, type): the spec fields in reply order, and the C# helper that writes them back
    ("begin_search", "index"): (["index"], "Index"),
    ("begin_search", "keyword"): (["keyword", "startfrom"], "Keyword"),
    ("begin_search", "unknown"): ([], "Unknown"),
    ("find_keys", "range"): (["lastkey", "keystep", "limit"], "Range"),
    ("find_keys", "keynum"): (["keynumidx", "firstkey", "keystep"], "KeyNum"),
    ("find_keys", "unknown"): ([], "Unknown"),
}


def cs_keyspec(ks):
    def part(name):
        kind, spec = ks[name]
        fields, helper = SPEC_SHAPES[(name, kind)]
        assert [n for n, _, _ in spec] == fields, (name, kind, spec)
        return "%s(%s)" % (helper, ", ".join(str(x) if t == ":" else cs(x) for _, t, x in spec))
    notes = ", notes: %s" % cs(ks["notes"]) if "notes" in ks else ""
    return "K(%s, %s, %s%s)" % (cs_words(ks["flags"]), part("begin_search"), part("find_keys"), notes)


def cs_arg(a, indent):
    opt = []
    for k, name in (("display_text", "display"), ("token", "token"), ("since", "since"), ("deprecated_since", "deprecatedSince")):
        if k in a: opt.append("%s: %s" % (name, cs(a[k])))
    if "key_spec_index" in a: opt.append("keySpec: %d" % a["key_spec_index"])
    if "flags" in a: opt.append("flags: %s" % cs_words(a["flags"]))
    head = "A(%s, %s%s" % (cs(a["name"]), cs(a["type"]), "".join(", " + o for o in opt))
    if "arguments" not in a:
        return head + ")"
    inner = (",\n").join(" " * (indent + 4) + cs_arg(s, indent + 4) for s in a["arguments"])
    return head + ", args: new[]\n" + " " * indent + "{\n" + inner + ",\n" + " " * indent + "})"


def cs_fact(i, d):
    keyspecs = ", ".join(cs_keyspec(k) for k in i["keyspecs"])
    lines = ["        new(%s, %d, %s, %d, %d, %d, %s, %s," % (cs(i["name"]), i["arity"], cs_words(i["flags"]), i["first"], i["last"],
                                                          i["step"], cs_words(i["categories"]), cs_words(i["tips"]) if i["tips"] else "null"),
             "            new KeySpec[] { %s }," % keyspecs if keyspecs else "            null,"]
    opt = []
    for k, name in (("complexity", "complexity"), ("deprecated_since", "deprecatedSince"), ("replaced_by", "replacedBy")):
        if k in d: opt.append("%s: %s" % (name, cs(d[k])))
    if "doc_flags" in d: opt.append("docFlags: %s" % cs_words(d["doc_flags"]))
    if "history" in d: opt.append("history: new[] { %s }" % ", ".join("(%s, %s)" % (cs(a), cs(b)) for a, b in d["history"]))
    doc = "            D(%s, %s%s" % (cs(d["since"]), cs(d["group"]), "".join(", " + o for o in opt))
    if "arguments" in d:
        doc += ", args: new[]\n            {\n" + ",\n".join(" " * 16 + cs_arg(a, 16) for a in d["arguments"]) + ",\n            }"
    lines.append(doc + ")),")
    return "\n".join(lines)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def main():
    server = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_ORACLE
    port = free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        r = Reader(sock)
        send(sock, "HELLO", "3"); version = dict(as_map(r.value()))["version"][1]
        send(sock, "COMMAND", "INFO"); infos_v, infos_raw = r.raw()
        send(sock, "COMMAND", "DOCS"); docs_v, docs_raw = r.raw()
    finally:
        proc.terminate()
        proc.wait()
    infos = {}
    for v in infos_v[1]:
        i = parse_info(v)
        assert enc(info_value(i)) == enc(v), "COMMAND INFO %s does not rebuild" % i["name"]
        infos[i["name"]] = i
    docs = {}
    for n, v in docs_v[1]:
        d = parse_doc(v)
        assert enc(doc_value(d, "")) == enc(strip_summaries(v)), "COMMAND DOCS %s does not rebuild" % n[1]
        docs[n[1]] = d
    rows = []
    for name in sorted(infos):
        i = infos[name]
        rows.append(cs_fact(i, docs[name]))
        for s in sorted(i["subcommands"], key=lambda s: s["name"]):
            rows.append(cs_fact(s, docs[name]["subcommands"][s["name"]]))
    with open(OUT, "w") as f:
        f.write("// <auto-generated>\n// Written by scripts/gen_command_facts.py from the COMMAND INFO and COMMAND DOCS replies of Redis %s.\n"
                "// Do not edit: run the script again. FastKv's own summaries are in CommandSummaries.cs.\n// </auto-generated>\n\n" % version)
        f.write("namespace FastKv.Engine;\n\npublic static partial class CommandFacts\n{\n")
        f.write("    public const string RedisVersion = %s;\n\n" % cs(version))
        f.write("    static CommandFact[] Generated() => new CommandFact[]\n    {\n")
        f.write("\n".join(rows))
        f.write("\n    };\n}\n")
    print("wrote %d commands (%d with subcommands) from Redis %s" % (len(rows), len(infos), version))


if __name__ == "__main__":
    main()
