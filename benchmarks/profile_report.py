#!/usr/bin/env python3
"""Summarise py-spy collapsed stacks (``--format raw``) by function.

    python benchmarks/profile_report.py DIR/04-create-offers-sequential.txt
    python benchmarks/profile_report.py FILE --match esi_leap --top 40
    python benchmarks/profile_report.py FILE --under offer_view

Prints the total number of samples, then the functions with the largest
inclusive share (the function or anything it calls is on the stack) and the
largest self share (the function is on top). ``--under NAME`` keeps only
stacks passing through a function whose name contains NAME.
"""

import argparse
import collections
import re
import sys

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def parse(path: str) -> list[tuple[list[str], int]]:
    stacks = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            if not raw:
                continue
            stack, _, count = raw.rpartition(" ")
            try:
                n = int(count)
            except ValueError:
                continue
            stacks.append((stack.split(";"), n))
    return stacks


def short(frame: str) -> str:
    m = FRAME.match(frame)
    if not m:
        return frame
    path = m.group("file")
    for marker in ("site-packages/", "lib/python3", "/work/main/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{m.group('func')} ({path})"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+")
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--match", help="only functions whose frame contains this")
    p.add_argument("--under", help="only stacks through this function")
    args = p.parse_args()
    stacks = [s for path in args.files for s in parse(path)]
    if args.under:
        stacks = [(frames, n) for frames, n in stacks
                  if any(args.under in f.split(" (")[0] for f in frames)]
    total = sum(n for _, n in stacks)
    if not total:
        print("no samples")
        return 1
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        named = [short(f) for f in frames if "(" in f]
        for name in set(named):
            inclusive[name] += n
        if named:
            own[named[-1]] += n
    print(f"{total} samples in {', '.join(args.files)}"
          + (f" (stacks through {args.under})" if args.under else ""))
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\n-- top {args.top} by {title} share")
        shown = 0
        for name, n in counter.most_common():
            if args.match and args.match not in name:
                continue
            print(f"{100 * n / total:6.1f}%  {name}")
            shown += 1
            if shown >= args.top:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
