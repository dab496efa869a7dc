"""Run every benchmarks/bench_*.py module and print its result lines."""
from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks


def main() -> int:
    failed = 0
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    only = sys.argv[1:]
    for name in names:
        if only and name not in only and name.removeprefix("bench_") not in only:
            continue
        print(f"== {name}")
        start = time.perf_counter()
        try:
            lines = importlib.import_module(f"benchmarks.{name}").run()
        except Exception as exc:  # noqa: BLE001 - report and go on with the others
            failed += 1
            print(f"   FAILED: {exc!r}")
            continue
        for line in lines:
            print(f"   {line}")
        print(f"   ({time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
