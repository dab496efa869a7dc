"""Unseen documents (issue #11: "a new agreement or memo is answerable the day it arrives").

tests/documents_unseen/ holds three fictional documents of the genre (a national agreement 2025, a
county memo with a per-municipality table 2024, an SKR circular with a per-region tkr table 2026)
and a question bank about them. Each document is added through the command line to a fresh data
dir, every draft accepted unseen, and its questions asked (tests/documents_unseen/run.py).

tests/documents_unseen2/ is a second bank by another tester, in layouts not seen before (a county
decision with code-prefixed per-post tables and a dotted total list; an agreement appendix with its
posts in running prose, a mnkr table with key letters and an ISO-date timeline), its metadata in
meta.yaml; the same runner takes the folder (run.py tests/documents_unseen2).

Asserted for both folders: (a) no answer states a figure the document does not state; (b) the
questions that fail are exactly those recorded in the folder's known_failures.yaml, so an
improvement shows as well as a regression (regenerate: .venv/bin/python tests/documents_unseen/run.py
[tests/documents_unseen2] --write-known-failures, and read the diff: an added line is a regression).
"""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from tests.documents_unseen import run

HERE = Path(run.__file__).resolve().parent
SECOND = run.Bank.of(HERE.parent / "documents_unseen2")
BANKS = {"first": run.FIRST, "second": SECOND}
#: the answers (nearest facts, honest refusals) depend on the five seeds being registered too
SEEDS = run.ROOT.parent / "shared" / "seeds"


def _table(stem: str, first: str, last: str) -> list[tuple[str, list[Decimal]]]:
    text = (HERE / f"{stem}.txt").read_text(encoding="utf-8")
    body = text[text.index(first):text.index(last)]
    rows = []
    for line in body.splitlines():
        cells = [c.strip() for c in re.split(r" {2,}", line.strip()) if c.strip()]
        if len(cells) >= 3 and re.fullmatch(r"[\d ]+(,\d+)?( kr)?", cells[-1]):
            rows.append((cells[0], [Decimal(c.removesuffix(" kr").replace(" ", "").replace(",", "."))
                                    for c in cells[1:]]))
    return rows


def test_fixture_tables_add_up():
    """The fixtures are internally consistent, like the real documents: rows sum to their total,
    columns to the stated sums."""
    rows = _table("varmland_pm_2024", "Arvika", "Så begär")
    assert len(rows) == 17 and rows[-1][0] == "Summa"
    for name, (a, b, c, total) in rows:
        assert a + b + c == total, name
    for col in range(4):
        assert sum(r[1][col] for r in rows[:-1]) == rows[-1][1][col]
    rows = _table("skr_cirkular_2026", "Region Stockholm", "Utbetalning")
    assert len(rows) == 22 and rows[-1][0] == "Riket"
    for name, (_pop, _share, bup, sams, total) in rows:
        assert bup + sams == total, name
    for col in range(5):
        assert sum(r[1][col] for r in rows[:-1]) == rows[-1][1][col], col


def test_second_fixture_tables_add_up():
    """The second set: each post's rows sum to the post, the total list is A + B + C per
    municipality (C = 30 000 kr each) and sums to the stated total."""
    text = (SECOND.folder / "norrbotten_beslut_2027.txt").read_text(encoding="utf-8")
    posts = {}
    for post, stated in (("A", 4_200_000), ("B", 2_800_000)):
        body = text[text.index(f"Belopp post {post}"):text.index(f"Summa post {post}")]
        rows = {m[1]: int(m[2].replace(" ", "")) for m in
                re.finditer(r"^\d{4} (\S+) +[\d ]+ inv\. +([\d ]+) kr$", body, re.M)}
        assert len(rows) == 14 and sum(rows.values()) == stated, post
        posts[post] = rows
    totals = {m[1]: int(m[2].replace(" ", "")) for m in re.finditer(r"^(\S+) \(\d{4}\) \.+ ([\d ]+) kr$", text, re.M)}
    assert len(totals) == 14 and sum(totals.values()) == 7_420_000
    for name, total in totals.items():
        assert posts["A"][name] + posts["B"][name] + 30_000 == total, name
    text = (SECOND.folder / "ok_2027_bilaga.txt").read_text(encoding="utf-8")
    fixed = [Decimal(m.replace(",", ".")) for m in re.findall(r"^  (?!Summa)[A-ZÅÄÖ][\w ]+? län \.+ (\d+,\d\d)$", text, re.M)]
    assert len(fixed) == 21 and sum(fixed) == Decimal("39.00")
    table = text[text.index("Tabell 1."):text.index("Nycklar:")]
    level = Decimal(0)
    for line in table.splitlines():
        m = re.match(r"^ +(.+?) {2,}(\d[\d ]*,\d)\b", line)
        if not m:
            continue
        amount = Decimal(m[2].replace(" ", "").replace(",", "."))
        if m[1].startswith("Summa"):
            assert amount == level, m[1]
            level = Decimal(0)
        else:
            level += amount
    assert "Totalt                                                2 035,0" in table
    assert Decimal("865") + 495 + 644 + 31 == 2035


@pytest.mark.parametrize("which", BANKS)
def test_bank_is_well_formed(which):
    bank = BANKS[which]
    items = run.load_items(bank)
    per_doc = Counter(run.doc_of(i) for i in items)
    assert set(per_doc) == set(bank.docs)
    assert all((bank.folder / f"{stem}.txt").exists() for stem in bank.docs)
    for stem in bank.docs:
        assert per_doc[stem] >= 25, stem
        assert sum(1 for i in items if i.get("notindoc") and run.doc_of(i) == stem) >= 4, stem
    assert len({i["q"] for i in items}) == len(items), "duplicate questions"
    for i in items:
        assert i["expect"] and all(isinstance(g, list) and g for g in i["expect"]), i["q"]
        assert bool(i.get("notindoc")) != bool(i.get("source")), i["q"]


def test_wrong_figure_detector():
    """The detector the bank relies on: a figure the document states is fine, one it does not is not."""
    doc = (HERE / "varmland_pm_2024.txt").read_text(encoding="utf-8")
    item = {"q": "hur mkt far karlstad 2024", "expect": [["2 637 433,64"]], "source": "varmland_pm_2024"}
    ok = {"text": "2 637 433,64 kr: Karlstads kommun får 2 637 433,64 kr 2024.", "sources": []}
    assert run.judge(item, ok, "dok-x", doc)["kind"] != "wrong figure"
    bad = {"text": "2 637 434,64 kr: Karlstads kommun får 2 637 434,64 kr 2024.", "sources": []}
    assert run.judge(item, bad, "dok-x", doc)["kind"] == "wrong figure"
    en = {"text": "317 776.39 SEK: Torsby gets 317 776.39 SEK in 2024.", "sources": []}
    assert run.unstated_figures(item, en, doc)[0] == []
    late = {"text": "15 oktober 2025: kommunerna ska fakturera Region Värmland.", "sources": []}
    assert run.judge(item, late, "dok-x", doc)["kind"] == "wrong figure"
    none = {"text": "Det finns inte i dokumenten. Närmast: 2 637 433,64 kr för Karlstad 2024.", "sources": []}
    not_held = {"q": "hur mkt far karlstad 2031", "expect": [["finns inte i dokumenten"]], "notindoc": True,
                "doc": "varmland_pm_2024"}
    assert run.judge(not_held, none, "dok-x", doc)["kind"] == "correct"
    assert run.judge(not_held, ok, "dok-x", doc)["kind"] != "correct"


@pytest.fixture(scope="module", params=list(BANKS))
def bank_results(request):
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds not beside the checkout")
    bank = BANKS[request.param]
    return bank, run.run_bank(bank=bank)


def test_no_wrong_figures(bank_results):
    _bank, results = bank_results
    wrong = [f"{r['doc']}: {r['q']!r} → {r['answer'][:200]!r} ({'; '.join(r['problems'])})"
             for r in results if r["kind"] == "wrong figure"]
    assert not wrong, "\n".join(wrong)


def test_failing_questions_are_the_known_ones(bank_results):
    bank, results = bank_results
    known = {(f["doc"], f["q"]) for f in yaml.safe_load(bank.known.read_text(encoding="utf-8")) or []}
    failing = {(r["doc"], r["q"]): r for r in results if r["kind"] != "correct"}
    regressions = sorted(set(failing) - known)
    fixed = sorted(known - set(failing))
    msg = []
    if regressions:
        msg.append("newly failing (regressions):\n" + "\n".join(
            f"  {d}: {q!r} [{failing[d, q]['kind']}] → {failing[d, q]['answer'][:160]!r}" for d, q in regressions))
    if fixed:
        msg.append("now answered (update known_failures.yaml with run.py --write-known-failures):\n"
                   + "\n".join(f"  {d}: {q!r}" for d, q in fixed))
    assert not msg, "\n".join(msg)
