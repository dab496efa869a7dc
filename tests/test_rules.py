"""The rule table (engine/rules.py): every rule's example questions are answered by that rule."""
from __future__ import annotations

import pytest

from engine.knowledge import load_knowledge
from engine.qa import Engine
from engine.rules import RULES


@pytest.fixture(scope="module")
def engine():
    return Engine(load_knowledge())


def test_rule_names_are_unique_and_rules_carry_examples():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    # row_population needs a document whose rows give a count ("28 306 inv."), which the curated ones lack:
    # its examples are in tests/test_row_population.py
    assert [r.name for r in RULES if not r.examples] == ["row_population", "distribution_key_late"]


@pytest.mark.parametrize("rule,question", [(r.name, q) for r in RULES for q in r.examples],
                         ids=lambda v: str(v)[:40])
def test_each_example_is_answered_by_its_rule(engine, rule, question):
    answer = engine.ask(question)
    assert answer.rule == rule, (question, answer.rule, answer.text[:200])


def test_an_unanswerable_question_has_no_confident_answer(engine):
    answer = engine.ask("blä blä")
    assert answer.rule == "none" and not answer.confident and "framgår inte av dokumenten" in answer.text
