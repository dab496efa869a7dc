"""Run every benchmarks/bench_*.py module, print its figures beside their baselines, and (with
`--readme README.md`) rewrite the README's bench table from this run. `make bench` / `make bench-readme`."""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import pkgutil
import time
from pathlib import Path

import benchmarks
from benchmarks.report import Row, machine, rewrite_readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("only", nargs="*", help="bench modules to run (e.g. slack reminders); default all")
    parser.add_argument("--readme", type=Path, help="rewrite the bench table between the markers of this file")
    args = parser.parse_args(argv)
    failed = 0
    rows: list[Row] = []
    before = machine()
    print(f"machine: {before}")
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    total = time.perf_counter()
    for name in names:
        if args.only and name not in args.only and name.removeprefix("bench_") not in args.only:
            continue
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            lines = importlib.import_module(f"benchmarks.{name}").run()
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            failed += 1
            print(f"   FAILED: {exc!r}")
            continue
        for line in lines:
            print(f"   {line}")
            if isinstance(line, Row):
                rows.append(line)
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    after = machine()
    print(f"machine after: {after}; total {time.perf_counter() - total:.0f} s")
    if args.readme is not None:
        note = (f"Produced by `make bench` on {dt.date.today().isoformat()} — {before.split(', load')[0]}; "
                f"load before {before.split('load average ')[1].split(' (')[0]}, after "
                f"{after.split('load average ')[1].split(' (')[0]} (1/5/15 min; the machine is shared, so "
                "latencies include other processes' CPU use).")
        rewrite_readme(args.readme, rows, note)
        print(f"rewrote the bench table in {args.readme}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
