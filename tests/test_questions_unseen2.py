"""QA's second unseen question bank (tests/questions/unseen2.yaml), scored like tests/test_questions.py.

Written from the seed documents only (independently of extra.yaml/unseen.yaml). Questions the engine
answers wrongly today are strict xfails: the suite stays green, and a fix turns into an XPASS failure
so the entry below can be removed. Each reason says what kind of question it is and what goes wrong.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.knowledge import load_knowledge
from engine.qa import Engine
from tests.test_questions import check

BANK = Path(__file__).resolve().parent / "questions" / "unseen2.yaml"

KNOWN_FAILURES: dict[str, str] = {}


def _params():
    items = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    for item in items:
        reason = KNOWN_FAILURES.get(item["q"])
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(item, marks=marks, id=item["q"][:60])


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def test_bank_is_well_formed():
    items = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    assert 100 <= len(items) <= 130
    assert len({i["q"] for i in items}) == len(items)
    for item in items:
        assert item["expect"] and all(isinstance(g, list) and g for g in item["expect"]), item["q"]


def test_known_failures_name_real_questions():
    questions = {i["q"] for i in yaml.safe_load(BANK.read_text(encoding="utf-8"))}
    assert not set(KNOWN_FAILURES) - questions


@pytest.mark.parametrize("item", list(_params()))
def test_unseen2_questions(engine, item):
    answer = engine.ask(item["q"]).to_json_dict()
    problems = check(item, answer)
    assert not problems, f"{item['q']!r} → {answer['text'][:300]!r} sources={answer['sources']} {problems}"
