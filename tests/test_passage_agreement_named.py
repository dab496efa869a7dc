"""A question that names the agreement by its subject ("överenskommelsen om trygghet och suicidprevention") asks
about the whole agreement: a post that shares a word of that name is not the answer, and the sentence that states
the agreement's total is quoted instead (issue #11, the second unseen bank). The memo is made up."""
from __future__ import annotations

import pytest

from tests.documents_support import engine_with_accepted

MEMO = """Överenskommelse om trygghet och suicidprevention 2038

1. Omfattning
Staten avsätter för 2038 sammanlagt 500 miljoner kronor till överenskommelsen.

2. Poster
Suicidprevention: 100 miljoner kronor.
Trygga skolor: 400 miljoner kronor.
"""
TITLE = "Överenskommelse om trygghet och suicidprevention 2038 (prov)"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return engine_with_accepted(tmp_path_factory.mktemp("named") / "data", MEMO, filename="ok.txt", title=TITLE)


def test_the_agreement_named_by_its_subject_is_the_whole_agreement(engine):
    answer = engine.ask("Hur mycket omfattar överenskommelsen om trygghet och suicidprevention 2038 totalt?")
    assert not answer.text.startswith("100 000 000 kr"), answer.text
    assert "500 miljoner kronor" in answer.text or answer.text.startswith("500 000 000 kr"), answer.text


def test_the_post_is_still_answered_when_asked_for(engine):
    answer = engine.ask("Hur mycket går till suicidprevention 2038?")
    assert answer.text.startswith("100 000 000 kr"), answer.text
