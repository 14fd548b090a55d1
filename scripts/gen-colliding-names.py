#!/usr/bin/env python3
"""gen-colliding-names.py FUNCTIONS OUT.txt

Writes a legacy debug=1 heap text of FUNCTIONS one-frame records, each frame
a function of its own whose 64-byte name has the same unseeded FxHash
(rustc-hash 2's string hash) as every other's: the hash folds each 16-byte
block of a string by multiplying its two halves, each xor-ed with the state,
so a block whose first half equals the state folds to 0 whatever its second
half holds. The first block is chosen so that this state is printable, and
the eight bytes after it number the functions. A hash map keyed by these
names without a random seed walks all the earlier ones at each new one.
docs/safety.md has the figures; `pprof-tui diff OUT.txt OUT.txt` measures a
build against them.
"""
import argparse
import itertools
import string

MASK = (1 << 64) - 1
SEED1 = 0x243F6A8885A308D3
SEED2 = 0x13198A2E03707344
NO_ZERO_COLLAPSE = 0xA4093822299F31D0
# Printable, and nothing a legacy frame line gives a meaning to.
SAFE = set(string.ascii_letters + string.digits + "._-/()*[]{}<>")


def mix(x, y):
    full = x * y
    return (full & MASK) ^ (full >> 64)


def word(b):
    return int.from_bytes(b, "little")


def fx_bytes(b):
    """rustc-hash 2.1's hash_bytes, for strings over 16 bytes."""
    s0, s1 = SEED1, SEED2
    bulk = b[: len(b) - 1]
    while len(bulk) >= 16:
        t = mix(s0 ^ word(bulk[:8]), NO_ZERO_COLLAPSE ^ word(bulk[8:16]))
        s0, s1 = s1, t
        bulk = bulk[16:]
    s0 ^= word(b[-16:-8])
    s1 ^= word(b[-8:])
    return mix(s0, s1) ^ len(b)


def first_block():
    """A 16-byte start whose fold (the state two blocks on) is printable."""
    for tail in itertools.product(string.ascii_letters, repeat=4):
        block = ("example.com/" + "".join(tail)).encode()
        state = mix(SEED1 ^ word(block[:8]), NO_ZERO_COLLAPSE ^ word(block[8:])).to_bytes(8, "little")
        if all(chr(c) in SAFE for c in state):
            return block, state
    raise SystemExit("no printable state found")


def names(n):
    block, state = first_block()
    second = b"/pkg.(*Type).Run"
    suffix = b".Method_collides"
    digits = string.ascii_letters + string.digits
    for i in range(n):
        number = "".join(digits[i // 62**k % 62] for k in range(8)).encode()
        yield block + second + state + number + suffix


p = argparse.ArgumentParser()
p.add_argument("functions", type=int)
p.add_argument("out")
a = p.parse_args()
hashes = set()
with open(a.out, "w") as out:
    n = a.functions
    out.write(f"heap profile: {n}: {n * 8} [{n}: {n * 8}] @ heap/1\n")
    for i, name in enumerate(names(n)):
        if i < 3:
            hashes.add(fx_bytes(name))
        pc = 0x400000 + 0x40 * i
        out.write(f"1: 8 [1: 8] @ 0x{pc + 1:x}\n")
        out.write(f"#\t0x{pc:x}\t{name.decode()}+0x1\t/x.go:1\n\n")
assert len(hashes) == 1, "the names share their hash"
