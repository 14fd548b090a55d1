#!/usr/bin/env python3
"""gen-colliding-pcs.py FRAMES OUT.txt

Writes a legacy debug=1 heap text of FRAMES one-frame records whose pcs all
share the low 32 bits of their unseeded hash in pprof-tui's pc index
(MurmurHash3's fmix64 of the pc with the named-frame bit, inverted), each
frame a function of its own. An index that hashed pcs without a random seed
walked all the earlier pcs at each new one: 100,000 frames (7.9 MB) took
12.3 s, a million (80 MB) some 20 minutes. docs/safety.md has the figures;
`pprof-tui top OUT.txt` measures a build against them.
"""
import argparse

MASK = (1 << 64) - 1


def unmix(h):
    """The inverse of fmix64."""
    h ^= h >> 33
    h = (h * 0x9CB4B2F8129337DB) & MASK
    h ^= h >> 33
    h = (h * 0x4F74430C22A54005) & MASK
    h ^= h >> 33
    return h


p = argparse.ArgumentParser()
p.add_argument("frames", type=int)
p.add_argument("out")
a = p.parse_args()
with open(a.out, "w") as out:
    n = a.frames
    out.write(f"heap profile: {n}: {n * 8} [{n}: {n * 8}] @ heap/1\n")
    for i in range(1, n + 1):
        # Named frames hash pc ^ 1 << 63: these share the hash 0xabcd.
        pc = unmix((i << 32) | 0xABCD) ^ (1 << 63)
        out.write(f"1: 8 [1: 8] @ 0x{(pc + 1) & MASK:x}\n")
        out.write(f"#\t0x{pc:x}\tmain.f{i}+0x1\t/x.go:1\n\n")
