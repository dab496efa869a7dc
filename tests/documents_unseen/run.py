"""Run the unseen-documents bank (issue #11) as a user would, through the command line only.

For each fictional fixture document in this folder: a fresh, empty STIMULANS_DATA_DIR;
`stimulans dokument lägg-till FILE --titel … --utgivare … --datum …`; `stimulans dokument granska ID
--godkänn all` (every draft accepted unseen); then every question of questions.yaml about that
document through `stimulans ask --json -` (one question per line; each is answered on its own).

Per document it prints: correct, not answered (the answer says the documents do not hold it, or
only quotes a passage without the fact), wrong figure (the answer's lead line states an amount or
date the document does not state), other misses.

    .venv/bin/python tests/documents_unseen/run.py [FOLDER] [--show] [--json OUT] [--write-known-failures]

FOLDER is a bank folder (default: this one; e.g. tests/documents_unseen2): its `*.txt` documents,
`questions.yaml`, `known_failures.yaml` and — for any folder but this one — `meta.yaml` (per stem:
titel, utgivare, datum, as a coordinator would add the document).

`--write-known-failures` rewrites the folder's known_failures.yaml (what tests/test_documents_unseen.py compares
with): inspect `git diff tests/documents_unseen/known_failures.yaml` — an added line is a regression.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
from tests.bank_scoring import NOT_IN_DOCS, check, norm  # noqa: E402

QUESTIONS = HERE / "questions.yaml"
KNOWN = HERE / "known_failures.yaml"

#: how a coordinator would add each fixture (title, publisher, date as the document states them)
DOCS: dict[str, dict[str, str]] = {
    "ok_psykisk_halsa_2025": {
        "titel": "Överenskommelse om psykisk hälsa och suicidprevention 2025",
        "utgivare": "Socialdepartementet och SKR", "datum": "2025-02-14"},
    "varmland_pm_2024": {
        "titel": "Region Värmland – stimulansmedel till Värmlands kommuner 2024",
        "utgivare": "Region Värmland", "datum": "2024-03-21"},
    "skr_cirkular_2026": {
        "titel": "SKR cirkulär 26:03 – fördelning till regionerna 2026",
        "utgivare": "SKR", "datum": "2026-01-22"},
}


@dataclass(frozen=True)
class Bank:
    """One folder of fixture documents with its question bank and known failures."""
    folder: Path
    docs: dict[str, dict[str, str]]

    @property
    def questions(self) -> Path:
        return self.folder / "questions.yaml"

    @property
    def known(self) -> Path:
        return self.folder / "known_failures.yaml"

    @classmethod
    def of(cls, folder: Path | str) -> Bank:
        folder = Path(folder).resolve()
        if folder == HERE:
            return FIRST
        meta = yaml.safe_load((folder / "meta.yaml").read_text(encoding="utf-8")) or {}
        return cls(folder, {str(stem): {k: str(v) for k, v in m.items()} for stem, m in meta.items()})


#: this folder's bank (its metadata above, kept here as it was written)
FIRST = Bank(HERE, DOCS)


#: runs the CLI: (argv after `stimulans`, environment, stdin) -> (exit code, stdout)
Runner = Callable[[list[str], dict[str, str], str | None], tuple[int, str]]


def subprocess_runner(argv: list[str], env: dict[str, str], stdin: str | None = None) -> tuple[int, str]:
    exe = Path(sys.executable).parent / "stimulans"
    cmd = [str(exe)] if exe.exists() else [
        sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"]
    p = subprocess.run(cmd + argv, input=stdin, capture_output=True, text=True, env={**os.environ, **env},
                       cwd=ROOT, timeout=600)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
    return p.returncode, p.stdout


# ---------------------------------------------------------------- figures

_MONTHS = {m: i + 1 for i, m in enumerate(
    "januari februari mars april maj juni juli augusti september oktober november december".split())}
_MONTHS.update({m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())})
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
#: Swedish "7 649 410,97", and the English rendering "317 776.39" (space thousands, point decimals)
_NUM = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[,.]\d{1,2}(?!\d))?|\d+(?:[,.]\d{1,2}(?!\d))?"
_UNIT = {"kr": 1, "kronor": 1, "sek": 1, "tkr": 1000, "mkr": 10**6, "mnkr": 10**6, "msek": 10**6,
         "miljoner": 10**6, "million": 10**6, "miljarder": 10**9, "billion": 10**9}
_AMOUNT = re.compile(rf"({_NUM}) ?({'|'.join(sorted(_UNIT, key=len, reverse=True))})\b", re.I)
_DATE_DMY = re.compile(rf"\b(\d{{1,2}}) ({_MON}),? (\d{{4}})\b", re.I)
_DATE_MDY = re.compile(rf"\b({_MON}) (\d{{1,2}}),? (\d{{4}})\b", re.I)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b")
_BARE = re.compile(rf"(?<![\d,.])({_NUM})(?![\d,])")


def _num(s: str) -> Decimal:
    return Decimal(re.sub(r"[ \u00a0\u202f]", "", s).replace(",", "."))


def _dates(text: str) -> set[date]:
    out = set()
    for d, m, y in _DATE_DMY.findall(text):
        out.add(date(int(y), _MONTHS[m.lower()], int(d)))
    for m, d, y in _DATE_MDY.findall(text):
        out.add(date(int(y), _MONTHS[m.lower()], int(d)))
    for y, m, d in _DATE_ISO.findall(text):
        try:
            out.add(date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return out


def figures(line: str) -> tuple[set[Decimal], set[date]]:
    """The amounts (in kronor) and dates a line states."""
    amounts = {_num(n) * _UNIT[u.lower()] for n, u in _AMOUNT.findall(line)}
    return amounts, _dates(line)


def stated(text: str) -> tuple[set[Decimal], set[date]]:
    """Every amount a document could be said to state: each number read as kr, tkr or mnkr (tables
    give tkr in the header only), and every date (a date may be split over a line break)."""
    cells = re.split(r"\s{2,}|\n", text)  # a table's columns are apart by runs of spaces: "41 917   137 395"
    text = " ".join(text.split())
    nums = {_num(n) for n in _BARE.findall(text)} | {_num(n) for c in cells for n in _BARE.findall(c)}
    amounts = {n * s for n in nums for s in (1, 1000, 10**6)}
    return amounts, _dates(text)


#: an answer that does not answer: the documents do not hold it, or the engine is not sure
NOT_ANSWERED = (*NOT_IN_DOCS, "framgår inte säkert", "inget säkert svar", "no reliable answer", "not certain")
_LABELLED = re.compile(r"beräknat|calculated|computed|estimated?\b", re.I)


def first_line(text: str) -> str:
    """The answer's first line (after the heading English answers put above a Swedish quotation)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0].startswith("From the documents (quoted in Swedish)"):
        lines = lines[1:]
    return lines[0] if lines else ""


def lead_line(text: str) -> str:
    """The first line stating an amount or a date (else the first with a digit that is not a
    quotation's heading)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        amounts, dates = figures(line)
        if amounts or dates:
            return line
    for line in lines:
        if re.search(r"\d", line) and not re.match(r"(Citat ur|From the documents)", line):
            return line
    return ""


def says_not_answered(text: str) -> bool:
    return any(p in text.lower() for p in NOT_ANSWERED)


def _expected_figures(item: dict[str, Any]) -> tuple[set[Decimal], set[date]]:
    amounts: set[Decimal] = set()
    dates: set[date] = set()
    for grp in item["expect"]:
        for alt in grp:
            a, d = figures(str(alt))
            amounts |= a | {_num(n) for n in _BARE.findall(str(alt))}
            dates |= d
    return amounts, dates


def unstated_figures(item: dict[str, Any], answer: dict[str, Any], doc_text: str) -> tuple[list[str], bool]:
    """Figures in the answer's lead line that the document does not state — nor the question's own
    expected alternatives (a sum it asks for), nor the sum or difference of two stated figures on
    the same line (a comparison's "skillnad"). Returns them and whether the line labels its figure
    as computed (*beräknat*)."""
    line = lead_line(answer["text"])
    doc_amounts, doc_dates = stated(doc_text)
    exp_amounts, exp_dates = _expected_figures(item)
    amounts, dates = figures(line)
    known = [a for a in amounts if a in doc_amounts]
    derived = {a + b for a in known for b in known} | {abs(a - b) for a in known for b in known}
    bad = [f"unstated amount {a} kr" for a in sorted(amounts)
           if a not in doc_amounts and a not in exp_amounts and a not in derived]
    bad += [f"unstated date {d}" for d in sorted(dates) if d not in doc_dates and d not in exp_dates]
    return bad, bool(_LABELLED.search(line))


def lead_problems(item: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """Stricter than tests/bank_scoring.check: an answer must not open by saying it does not know
    (unless that is the expected answer), and for a question with one expected figure (every
    alternative holds a digit) that figure must be in the lead line, not further down."""
    if item.get("notindoc"):
        return []
    if says_not_answered(first_line(answer["text"])):
        return ["opens with 'not in the documents'"]
    groups = item["expect"]
    if len(groups) == 1 and all(re.search(r"\d", str(a)) for a in groups[0]):
        lead = norm(lead_line(answer["text"]))
        if not any(norm(str(a)) in lead for a in groups[0]):
            return [f"lead line does not state {groups[0][0]!r}"]
    return []


def judge(item: dict[str, Any], answer: dict[str, Any], doc_id: str, doc_text: str) -> dict[str, Any]:
    """One answer's kind: correct / not answered / wrong figure / wrong estimate / off the question /
    other miss. A wrong figure is an `absent` string, or a figure in the lead line the document does
    not state, in an answer that does not open by saying the documents do not hold it; a labelled
    computed figure (beräknat) that misses is a wrong estimate instead."""
    as_asked = dict(item)
    if item.get("source"):  # the library cites the document by its id, the bank by its file stem
        as_asked["source"] = doc_id
    problems = check(as_asked, answer) + lead_problems(item, answer)
    text = answer["text"]
    declines = says_not_answered(first_line(text))
    absent = [f"states {a!r}" for a in item.get("absent", []) if norm(str(a)) in norm(text)]
    unstated, labelled = unstated_figures(item, answer, doc_text)
    if (absent or (unstated and not labelled)) and not declines:
        kind = "wrong figure"
    elif not problems:
        kind = "correct"
    elif unstated and labelled:
        kind = "wrong estimate"
    elif declines or answer.get("intent") in ("passage", "help", "unknown"):
        kind = "not answered"
    elif any(figures(lead_line(text))):
        kind = "off the question"  # leads with a figure the document states, not the one asked for
    else:
        kind = "other miss"
    return {"q": item["q"], "kind": kind, "problems": problems + absent + unstated, "answer": text,
            "intent": answer.get("intent")}


# ---------------------------------------------------------------- running

def load_items(bank: Bank = FIRST) -> list[dict[str, Any]]:
    return yaml.safe_load(bank.questions.read_text(encoding="utf-8")) or []


def doc_of(item: dict[str, Any]) -> str:
    return str(item.get("source") or item["doc"])


def add_document(run: Runner, stem: str, env: dict[str, str], bank: Bank = FIRST) -> str:
    meta = bank.docs[stem]
    rc, out = run(["dokument", "lägg-till", str(bank.folder / f"{stem}.txt"), "--titel", meta["titel"],
                   "--utgivare", meta["utgivare"], "--datum", meta["datum"]], env, None)
    m = re.search(r"\b(dok-[0-9a-f]{10})\b", out)
    if rc != 0 or not m:
        raise RuntimeError(f"lägg-till {stem}: exit {rc}: {out}")
    doc_id = m.group(1)
    rc, out = run(["dokument", "granska", doc_id, "--godkänn", "all"], env, None)
    if rc != 0:
        raise RuntimeError(f"granska {doc_id}: exit {rc}: {out}")
    return doc_id


def run_document(run: Runner, stem: str, items: list[dict[str, Any]], bank: Bank = FIRST) -> list[dict[str, Any]]:
    """Add one document to a fresh data dir, accept all its drafts, ask its questions."""
    doc_text = (bank.folder / f"{stem}.txt").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix=f"unseen-{stem}-") as data_dir:
        env = {"STIMULANS_DATA_DIR": data_dir}
        doc_id = add_document(run, stem, env, bank)
        rc, out = run(["ask", "--json", "-"], env, "".join(i["q"] + "\n" for i in items))
    answers = [json.loads(line) for line in out.splitlines() if line.strip().startswith("{")]
    if rc != 0 or len(answers) != len(items):
        raise RuntimeError(f"ask for {stem}: exit {rc}, {len(answers)} answers for {len(items)} questions")
    return [{"doc": stem} | judge(item, answer, doc_id, doc_text) for item, answer in zip(items, answers, strict=True)]


def run_bank(run: Runner = subprocess_runner, *, parallel: bool = True, bank: Bank = FIRST) -> list[dict[str, Any]]:
    """All documents, each in its own data dir and CLI processes (in parallel: they share nothing).
    Not in-process through bot.cli.main: called again in the same process with another
    STIMULANS_DATA_DIR it still answers from the previous data dir's documents too."""
    items = load_items(bank)
    jobs = [(stem, [i for i in items if doc_of(i) == stem]) for stem in bank.docs]
    if not parallel:
        return [r for stem, its in jobs for r in run_document(run, stem, its, bank)]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        done = list(pool.map(lambda job: run_document(run, *job, bank), jobs))
    return [r for rs in done for r in rs]


def failing(results: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"doc": r["doc"], "q": r["q"], "kind": r["kind"], "reason": "; ".join(r["problems"])[:200]}
            for r in results if r["kind"] != "correct"]


def write_known_failures(results: list[dict[str, Any]], bank: Bank = FIRST) -> int:
    found = failing(results)
    rel = bank.folder.relative_to(ROOT).as_posix()
    arg = "" if bank.folder == HERE else f" {rel}"
    header = (f"# Questions of {rel}/questions.yaml that fail now; tests/test_documents_unseen.py\n"
              "# compares the failing set with this list, so a fix and a regression both show. Regenerate with\n"
              f"#   .venv/bin/python tests/documents_unseen/run.py{arg} --write-known-failures\n"
              "# and read `git diff`: an ADDED line is a regression.\n")
    bank.known.write_text(header + yaml.safe_dump(found, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    return len(found)


KINDS = ("correct", "not answered", "wrong figure", "wrong estimate", "off the question", "other miss")


def summary(results: list[dict[str, Any]], bank: Bank = FIRST) -> str:
    lines = [f"{'document':24s} {'n':>3s} " + " ".join(f"{k:>16s}" for k in KINDS)]
    for stem in [*bank.docs, None]:
        rs = [r for r in results if stem is None or r["doc"] == stem]
        lines.append(f"{stem or 'all':24s} {len(rs):3d} " +
                     " ".join(f"{sum(r['kind'] == k for r in rs):16d}" for k in KINDS))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=str(HERE), help="the bank's folder (default: this one)")
    ap.add_argument("--show", action="store_true", help="print every failing question with its answer")
    ap.add_argument("--json", metavar="OUT", help="write every result (question, kind, answer) to OUT")
    ap.add_argument("--write-known-failures", action="store_true", help="rewrite known_failures.yaml")
    args = ap.parse_args(argv)
    bank = Bank.of(args.folder)
    results = run_bank(bank=bank)
    print(summary(results, bank))
    if args.show:
        for r in results:
            if r["kind"] != "correct":
                print(f"\n[{r['kind']}] {r['doc']}: {r['q']}\n   {'; '.join(r['problems'])}\n   → "
                      + r["answer"].replace("\n", "\n     ")[:600])
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.write_known_failures:
        print(f"{write_known_failures(results, bank)} known failures written to {bank.known.relative_to(ROOT)}")
    return 1 if any(r["kind"] == "wrong figure" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
