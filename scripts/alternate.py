#!/usr/bin/env python3
"""Wall time of whole commands, run in alternation.

    scripts/alternate.py ROUNDS 'CMD A' 'CMD B' ...

Each round runs every command once (the order rotating from round to
round), so that load from other work falls on all of them alike; prints
each command's median, minimum and quartiles, then, round by round, the
ratio of the last command's time to each other's (median and range). The
docs' side-by-side figures against `go tool pprof` come from it, e.g.

    scripts/alternate.py 30 'target/release/pprof-tui top testdata/compile/compile-heap.pb.gz' \\
        'go tool pprof -top testdata/compile/compile-heap.pb.gz'
"""
import shlex
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    names = sys.argv[2:]
    commands = [shlex.split(c) for c in names]
    times = [[] for _ in commands]
    for r in range(rounds):
        order = list(range(len(commands)))
        order = order[r % len(order):] + order[: r % len(order)]
        for i in order:
            start = time.perf_counter()
            subprocess.run(commands[i], stdout=subprocess.DEVNULL, check=True)
            times[i].append(time.perf_counter() - start)
    for name, t in zip(names, times):
        t = sorted(t)
        print(f"median {statistics.median(t) * 1e3:9.2f} ms  min {t[0] * 1e3:9.2f}"
              f"  q1 {t[len(t) // 4] * 1e3:9.2f}  q3 {t[3 * len(t) // 4] * 1e3:9.2f}  {name}")
    for j in range(len(commands) - 1):
        ratios = sorted(b / a for a, b in zip(times[j], times[-1]))
        print(f"last / command {j + 1}, round by round: median {statistics.median(ratios):.1f}"
              f"  range {ratios[0]:.1f}-{ratios[-1]:.1f}")


if __name__ == "__main__":
    main()
