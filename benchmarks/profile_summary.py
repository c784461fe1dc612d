"""Summarise py-spy raw (collapsed) profiles: where the busy time of each thread goes.

`python -m benchmarks --only cohort_instances --profile DIR` writes `DIR/<scenario>-<i>.txt`
(py-spy `record --threads --format raw`, busy samples only); then

    python -m benchmarks.profile_summary DIR/cohort_instances-0.txt [--top 25] [--thread MainThread]

prints, per thread, its share of the samples, the frames where time is spent (self), the
frames time is spent under (inclusive), and the share per package (the file of the leaf frame).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def parse(path: Path) -> list[tuple[str, list[str], int]]:
    """(thread, frames from the root, samples) for each line of a collapsed profile."""
    rows = []
    for line in path.read_text(errors="replace").splitlines():
        match = _LINE.match(line.strip())
        if not match:
            continue
        frames = match["stack"].split(";")
        thread = frames[0]
        if thread.startswith("thread ("):
            thread = thread.split(": ", 1)[-1] + " " + thread.split(")")[0].removeprefix("thread ") + ")"
            frames = frames[1:]
        else:
            thread = "all"
        rows.append((thread, frames, int(match["count"])))
    return rows


def function(frame: str) -> str:
    match = _FRAME.match(frame)
    return f"{match['func']} ({match['file']})" if match else frame


def package(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    file = match["file"]
    if file.startswith("<"):
        return file
    head = file.split("/")[0]
    return head.removesuffix(".py")


def summarise(rows: list[tuple[str, list[str], int]], top: int, only: str | None) -> str:
    total = sum(c for _, _, c in rows)
    by_thread: Counter[str] = Counter()
    for thread, _, count in rows:
        by_thread[thread] += count
    out = [f"{total} busy samples"]
    for thread, count in by_thread.most_common():
        out.append(f"  {thread:<40} {count:>7} {100 * count / total:5.1f}%")
    for thread, thread_total in by_thread.most_common():
        if only and only not in thread:
            continue
        own: Counter[str] = Counter()
        inclusive: Counter[str] = Counter()
        packages: Counter[str] = Counter()
        for t, frames, count in rows:
            if t != thread or not frames:
                continue
            own[function(frames[-1])] += count
            packages[package(frames[-1])] += count
            for name in {function(f) for f in frames}:
                inclusive[name] += count
        out.append(f"\n== {thread}: {thread_total} samples ({100 * thread_total / total:.1f}% of busy)")
        out.append("-- self (leaf frame)")
        out += [f"  {100 * c / thread_total:5.1f}%  {name}" for name, c in own.most_common(top)]
        out.append("-- inclusive")
        out += [f"  {100 * c / thread_total:5.1f}%  {name}" for name, c in inclusive.most_common(top)]
        out.append("-- self by package")
        out += [f"  {100 * c / thread_total:5.1f}%  {name}" for name, c in packages.most_common(12)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_summary")
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--thread", help="only threads whose name contains this")
    args = parser.parse_args(argv)
    print(summarise(parse(args.profile), args.top, args.thread))


if __name__ == "__main__":
    main(sys.argv[1:])
