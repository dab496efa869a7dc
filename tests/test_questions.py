"""Question banks: ../shared/questions/public.yaml (when present) and tests/questions/extra.yaml.

Scored like ../shared/tools/check_questions.py: every expect group needs one alternative in the
answer text (case-insensitive, spaces inside numbers ignored) and the answer cites the source.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.knowledge import load_knowledge
from engine.qa import Engine

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ROOT.parent / "shared" / "questions" / "public.yaml"
EXTRA = ROOT / "tests" / "questions" / "extra.yaml"


def norm(s: str) -> str:
    s = s.lower().replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    s = s.replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"(?<=\d)\s+(?=\d)", "", s)


def check(item: dict, answer: dict) -> list[str]:
    text = norm(answer["text"])
    problems = [f"missing one of {grp}" for grp in item["expect"] if not any(norm(a) in text for a in grp)]
    src = item.get("source")
    if src and src not in json.dumps(answer.get("sources", []), ensure_ascii=False):
        problems.append(f"source {src} not cited")
    problems += [f"must not contain {a!r}" for a in item.get("absent", []) if norm(a) in text]
    return problems


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def _items(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else []


@pytest.mark.skipif(not PUBLIC.exists(), reason="../shared not beside the checkout")
@pytest.mark.parametrize("item", _items(PUBLIC), ids=lambda i: i["q"][:50])
def test_public_questions(engine, item):
    answer = engine.ask(item["q"]).to_json_dict()
    assert not check(item, answer), f"{item['q']!r} → {answer['text']!r} sources={answer['sources']}"


@pytest.mark.parametrize("item", _items(EXTRA), ids=lambda i: i["q"][:50])
def test_extra_questions(engine, item):
    answer = engine.ask(item["q"]).to_json_dict()
    assert not check(item, answer), f"{item['q']!r} → {answer['text']!r} sources={answer['sources']}"


@pytest.mark.skipif(not PUBLIC.exists(), reason="../shared not beside the checkout")
def test_cli_batch_mode_answers_public_questions_in_order():
    items = _items(PUBLIC)
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "-"], cwd=ROOT,
                          input="\n".join(i["q"] for i in items) + "\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    answers = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(answers) == len(items)
    failures = [i["q"] for i, a in zip(items, answers, strict=True) if check(i, a)]
    assert not failures
    assert set(answers[0]) >= {"text", "intent", "facts", "sources"}


def test_unreadable_sheet_gives_a_clear_answer_not_a_crash(tmp_path):
    from engine.store import StoreError

    class BrokenStore:
        def snapshot(self):
            raise StoreError("Arbetsboken x.xlsx kan inte läsas")

    answer = Engine(load_knowledge(), store=BrokenStore()).ask("status Falun")
    assert answer.intent == "status"
    assert "Arbetsboken x.xlsx kan inte läsas" in answer.text
    # questions that do not need the sheet still work with a broken store
    assert "1 726 309" in Engine(load_knowledge(), store=BrokenStore()).ask("Hur mycket får Falun 2020?").text


def test_an_answer_mentions_the_documents_own_discrepancy_about_what_it_used(engine):
    answer = engine.ask("Hur mycket fördelas till kommunerna i Stockholms län för sammanhållen vård 2020?")
    assert answer.text.startswith("10 570 973 kr")
    assert "Obs (avvikelse i dokumenten)" in answer.text and "6 429 930" in answer.text
    plain = engine.ask("Hur mycket får Falun 2020?")
    assert "avvikelse" not in plain.text
