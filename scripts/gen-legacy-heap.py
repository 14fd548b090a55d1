#!/usr/bin/env python3
"""gen-legacy-heap.py RECORDS OUT.txt [--depth N] [--functions N] [--sites N] [--seed S]

Writes a synthetic Go heap profile in the legacy debug=1 text format (what
/debug/pprof/heap?debug=1 serves): the `heap profile:` header sampled at
512 KiB (`@ heap/1048576`), RECORDS records of `inuse [alloc] @ 0x...` with
one `#\\t0x...\\tfn+0x...\\tfile:line` comment per frame (some frames inlined
into their caller, as the runtime writes them), and a `# runtime.MemStats`
block. Deterministic for a given seed. Used for the parse-time and memory
figures in docs/performance.md (a 100 000-record file is about 140 MB).

By default nearly every frame is at a pc of its own (a million locations in
a 100 MB text: the hardest case for a reader). With --sites N, each function
is called from N sites only, each with its own line, so pcs repeat as they do
in a real service's profile.
"""
import argparse
import random

p = argparse.ArgumentParser()
p.add_argument("records", type=int)
p.add_argument("out")
p.add_argument("--depth", type=int, default=24)
p.add_argument("--functions", type=int, default=5000)
p.add_argument("--sites", type=int, default=0)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
rng = random.Random(a.seed)
# With --sites: each function's call sites (offset, line, line when the
# next frame is inlined there), drawn from their own generator so that the
# default text is unchanged.
site_rng = random.Random(a.seed + 1)
sites = [
    [(site_rng.randrange(16, 0x3f0), site_rng.randint(1, 900), site_rng.randint(1, 900))
     for _ in range(a.sites)]
    for _ in range(a.functions)
] if a.sites > 0 else None

# Each function has an entry address; every call site a return address in it.
entries = [0x400000 + 0x400 * i for i in range(a.functions)]
names = [f"example.com/svc/pkg{i % 97}.(*T{i % 13}).Method{i}" for i in range(a.functions)]
files = [f"example.com/svc/pkg{i % 97}/file{i % 7}.go" for i in range(a.functions)]

records = []
total = [0, 0, 0, 0]
for _ in range(a.records):
    depth = rng.randint(4, a.depth)
    frames = [rng.randrange(a.functions) for _ in range(depth)]
    size = rng.choice([16, 32, 64, 128, 1024, 4096, 32768])
    alloc = rng.randint(1, 50)
    inuse = rng.randint(0, alloc)
    rec = [inuse, inuse * size, alloc, alloc * size]
    total = [t + r for t, r in zip(total, rec)]
    addrs, comments = [], []
    i = 0
    while i < depth:
        f = frames[i]
        if sites:
            off, line, inlined_line = sites[f][rng.randrange(a.sites)]
        else:
            off = rng.randrange(16, 0x3f0)
        pc = entries[f] + off
        addrs.append(pc + 1)
        # Every 5th frame: the next frame's function was inlined here
        # (same entry, another name), as Go's logical pcs are written.
        if i + 1 < depth and i % 5 == 0:
            # At a site, always the same function (the one after f).
            g = (f + 1) % a.functions if sites else frames[i + 1]
            at = inlined_line if sites else rng.randint(1, 900)
            comments.append(f"#\t{pc:#x}\t{names[g]}+{off:#x}\t{files[g]}:{at}")
            pc2 = pc - 1
            addrs.append(pc2 + 1)
            at = line if sites else rng.randint(1, 900)
            comments.append(f"#\t{pc2:#x}\t{names[f]}+{off - 1:#x}\t{files[f]}:{at}")
            i += 2
            continue
        at = line if sites else rng.randint(1, 900)
        comments.append(f"#\t{pc:#x}\t{names[f]}+{off:#x}\t\t{files[f]}:{at}")
        i += 1
    head = f"{rec[0]}: {rec[1]} [{rec[2]}: {rec[3]}] @ " + " ".join(f"{x:#x}" for x in addrs)
    records.append(head + "\n" + "\n".join(comments) + "\n\n")

with open(a.out, "w") as out:
    out.write(f"heap profile: {total[0]}: {total[1]} [{total[2]}: {total[3]}] @ heap/1048576\n")
    out.writelines(records)
    out.write("\n# runtime.MemStats\n")
    heap_inuse = total[1] * 2
    for name, value in [
        ("Alloc", total[1]), ("TotalAlloc", total[3]), ("Sys", heap_inuse * 3),
        ("Lookups", 0), ("Mallocs", total[2]), ("Frees", total[2] - total[0]),
        ("HeapAlloc", total[1]), ("HeapSys", heap_inuse * 2), ("HeapIdle", heap_inuse),
        ("HeapInuse", heap_inuse), ("HeapReleased", heap_inuse // 2), ("HeapObjects", total[0]),
    ]:
        out.write(f"# {name} = {value}\n")
    out.write("# Stack = 327680 / 327680\n# MSpan = 30240 / 32544\n# MCache = 2400 / 15600\n")
    out.write("# NextGC = %d\n# LastGC = 0\n" % (heap_inuse * 2))
    out.write("# PauseNs = [" + " ".join(str(rng.randint(10000, 90000)) for _ in range(256)) + "]\n")
    out.write("# PauseEnd = [" + " ".join("0" for _ in range(256)) + "]\n")
    out.write("# NumGC = 300\n# NumForcedGC = 0\n# GCCPUFraction = 0.0021\n# DebugGC = false\n")
