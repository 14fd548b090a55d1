#!/usr/bin/env python3
"""Writes hand-made raw profile.proto seeds into corpus/<target>/: the
corners random mutation reaches slowly (extreme values and times, deep and
inlined stacks, odd mappings and labels, drop/keep regexes).
Usage: extra_seeds.py DIR..."""
import sys

I64_MIN, I64_MAX = -(1 << 63), (1 << 63) - 1


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(num, value):
    """An int field (varint) or a message/bytes field."""
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    return varint(num << 3 | 2) + varint(len(value)) + value


def packed(num, values):
    return field(num, b"".join(varint(v) for v in values))


class P:
    def __init__(self, types=(("objects", "count"), ("space", "bytes"))):
        self.strings = [""]
        self.body = bytearray()
        for t, u in types:
            self.body += field(1, field(1, self.s(t)) + field(2, self.s(u)))
        self.funcs = {}

    def s(self, text):
        if text not in self.strings:
            self.strings.append(text)
        return self.strings.index(text)

    def function(self, name, file="main.go"):
        if name not in self.funcs:
            fid = len(self.funcs) + 1
            self.funcs[name] = fid
            self.body += field(5, field(1, fid) + field(2, self.s(name)) + field(3, self.s(name)) + field(4, self.s(file)) + field(5, 1))
        return self.funcs[name]

    def location(self, lid, names, address=0, mapping=0, line=10):
        lines = b"".join(field(4, field(1, self.function(n)) + field(2, line)) for n in names)
        self.body += field(4, field(1, lid) + field(2, mapping) + field(3, address) + lines)
        return lid

    def sample(self, locs, values, labels=b""):
        self.body += field(2, packed(1, locs) + packed(2, values) + labels)

    def raw(self, num, value):
        self.body += field(num, value)

    def encode(self):
        return bytes(self.body) + b"".join(field(6, s.encode()) for s in self.strings)


def seeds():
    p = P()
    p.location(1, ["main.a"]); p.location(2, ["main.main"])
    p.sample([1, 2], [I64_MAX, I64_MAX]); p.sample([1, 2], [I64_MAX, I64_MAX]); p.sample([2], [I64_MIN, I64_MIN])
    yield "extreme-values", p

    p = P((("cpu", "nanoseconds"), ("samples", "count")))
    p.location(1, ["main.a"])
    p.sample([1], [I64_MAX, 1]); p.sample([1], [I64_MIN, -1])
    p.raw(9, I64_MIN); p.raw(10, I64_MAX); p.raw(12, I64_MIN)
    p.raw(11, field(1, p.s("cpu")) + field(2, p.s("nanoseconds")))
    yield "extreme-times", p

    p = P()
    p.location(1, ["main.a"])
    label = field(3, field(1, p.s("bytes")) + field(3, I64_MIN) + field(4, p.s("bytes")))
    label += field(3, field(1, p.s("k")) + field(2, p.s("v")))
    p.sample([1], [1, 2], label)
    p.sample([], [3, 4])
    yield "labels-and-empty-stack", p

    p = P()
    p.location(1, ["main.rec"]); p.location(2, ["main.main"])
    p.sample([1] * 3000 + [2], [1, 100])
    yield "deep-recursion", p

    p = P()
    p.location(1, [f"main.f{i % 7}" for i in range(500)], address=0x1000, line=-5)
    p.sample([1], [1, 10])
    yield "deep-inlining", p

    p = P()
    p.raw(3, field(1, 1) + field(2, 0x2000) + field(3, 0x1000) + field(5, p.s("/lib/x.so")) + field(7, 1))
    p.location(1, [], address=0xFFFFFFFFFFFFFFFF, mapping=1)
    p.location(2, ["main.main"], mapping=1)
    p.sample([1, 2], [1, 10])
    yield "odd-mapping", p

    p = P()
    p.location(1, ["main.a"]); p.location(2, ["main.b"]); p.location(3, ["main.main"])
    p.sample([1, 3], [1, 10]); p.sample([2, 3], [1, -10])
    p.raw(7, p.s("main\\.(a|b)")); p.raw(8, p.s("main\\.b"))
    p.raw(14, p.s("objects"))
    p.raw(13, p.s("a comment"))
    yield "drop-keep-default", p

    p = P()
    p.location(1, ["main.a"])
    p.sample([1], [1, 10])
    p.raw(7, p.s("(unclosed"))
    yield "bad-drop-regex", p


for name, p in seeds():
    for d in sys.argv[1:]:
        with open(f"{d}/seed-{name}.raw", "wb") as f:
            f.write(p.encode())
