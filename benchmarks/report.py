"""Benchmark results as rows printed beside their baseline, and the README table made from them.

A bench module's run() returns lines (str) and Rows. A Row is one figure with the baseline it is
compared to (`python -c pass`, a naive gspread read per question, Slack's 3 s, the 60-reads/min quota...)
and, where the issue sets one, its target. `python -m benchmarks --readme README.md` rewrites the table
between the README's bench markers from the rows of that run.
"""
from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


@dataclass
class Row:
    what: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    target: str = ""  # e.g. "< 100 ms"; checked by `ok`
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    def shown(self) -> str:
        return f"{_num(self.value)} {self.unit}".strip()

    def ratio_text(self) -> str:
        if self.ratio is None:
            return ""
        return f"{_num(self.ratio)}× {self.baseline_label} ({_num(self.baseline)})"  # type: ignore[arg-type]

    def verdict(self) -> str:
        if self.ok is None:
            return ""
        return f"target {self.target}: {'OK' if self.ok else 'MISSED'}"

    def __str__(self) -> str:
        parts = [f"{self.what}: {self.shown()}"]
        if self.ratio is not None:
            parts.append(f"= {self.ratio_text()}")
        if self.verdict():
            parts.append(f"[{self.verdict()}]")
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(parts)


def _num(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}".replace(",", " ")
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 0.01:
        return f"{x:.2f}"
    return f"{x:.4f}"


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
            f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1/5/15 min)")


def table(rows: list[Row], header_note: str) -> str:
    lines = [header_note, "", "| what | result | vs baseline | target |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.what} | {r.shown()}{' — ' + r.note if r.note else ''} | {r.ratio_text()} | "
                     f"{r.verdict()} |")
    return "\n".join(lines)


def rewrite_readme(path: Path, rows: list[Row], header_note: str) -> None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path}: the markers {START} and {END} are missing")
    new = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: f"{START}\n{table(rows, header_note)}\n{END}",
                 text, count=1, flags=re.S)
    path.write_text(new, encoding="utf-8")
