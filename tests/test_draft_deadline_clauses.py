"""Deadlines in sentences that hold more than one thing (issue #11, the second unseen bank): each date is the
deadline of its own clause, a clause of no kind ("ska vara tillgängligt") is none, the clause with the date says
what is due ("…, men en kommun som inte vill ta del av medlen ska meddela SKR detta senast …"), and who acts is
the subject before a present-tense verb ("SKR rekvirerar …"). The memo is made up for these tests."""
from __future__ import annotations

from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections

MEMO = """Tidsplan för stimulansmedel 2034

Redovisning
Mallen ska vara publicerad senast den 1 september 2034 och redovisningen ska ha kommit in till SKR senast den 20 januari 2035.

Rekvisition
Kommunerna behöver inte skicka någon rekvisition, men en kommun som inte vill ta del av medlen ska meddela SKR detta senast den 15 mars 2034. SKR rekvirerar kommunernas medel från Kammarkollegiet senast den 2 maj 2034.
"""


def _deadlines():
    doc = LibraryDocument(id="dok-00000000ee", title="Tidsplan 2034 (prov)", sha256=content_hash(MEMO),
                          sections=split_sections(DocumentText(pages=[MEMO])))
    return {(i.data["kind"], i.data["date"]): i.data for i in drafts.draft(doc, load_knowledge()) if i.kind == "deadline"}


def test_each_date_is_its_own_clauses_deadline():
    got = _deadlines()
    assert ("redovisning", "2035-01-20") in got
    assert not any(d == "2034-09-01" for _, d in got), got  # a template's publication is no one's deadline


def test_the_clause_with_the_date_says_what_is_due():
    got = _deadlines()
    assert ("avsta", "2034-03-15") in got and ("rekvisition", "2034-03-15") not in got, got


def test_who_acts_is_the_subject_before_the_verb():
    assert _deadlines()[("rekvisition", "2034-05-02")]["who"] == "SKR"


def test_a_date_in_may_is_a_date():
    """"maj" is the one Swedish month of three letters; a deadline in May is drafted like any other."""
    from engine.library.document import find_dates

    assert [d.isoformat() for d, _ in find_dates("senast den 2 maj 2034 och den 31 maj 2035")] == ["2034-05-02",
                                                                                                  "2035-05-31"]


def test_a_relative_clauses_verb_is_not_whats_due():
    """"Regionen betalar ut medlen till de kommuner som har rekvirerat i tid senast den 29 oktober 2034" is a
    payout date, not a requisition deadline."""
    from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections

    text = ("Utbetalning\nRegionen betalar ut medlen till de kommuner som har rekvirerat i tid senast den 29 oktober "
            "2034. Kommunerna ska rekvirera medlen senast den 30 september 2034.\n")
    doc = LibraryDocument(id="dok-0000000c33", title="Utbetalning 2034 (prov)", sha256=content_hash(text),
                          sections=split_sections(DocumentText(pages=[text])))
    got = {(i.data["kind"], i.data["date"]) for i in drafts.draft(doc, load_knowledge()) if i.kind == "deadline"}
    # the payout is a deadline of its own kind (the payer's), never a requisition deadline
    assert got == {("rekvisition", "2034-09-30"), ("utbetalning", "2034-10-29")}, got


def test_a_restated_deadline_lends_its_consequence():
    """"Rekvisitionen ska ha kommit in … senast den 30 september 2034." then, later, "Om rekvisitionen inte har
    kommit in senast den 30 september 2034 förfaller rätten till medlen. Beloppet fördelas då om …": one deadline,
    with what happens when it is missed."""
    from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections

    text = ("Rekvisition\nRekvisitionen ska ha kommit in till förbundet senast den 30 september 2034. Den skickas med "
            "e-post.\nOm rekvisitionen inte har kommit in senast den 30 september 2034 förfaller rätten till medlen. "
            "Beloppet fördelas då om mellan övriga kommuner.\n")
    doc = LibraryDocument(id="dok-0000000d44", title="Rekvisition 2034 (prov)", sha256=content_hash(text),
                          sections=split_sections(DocumentText(pages=[text])))
    got = [i.data for i in drafts.draft(doc, load_knowledge()) if i.kind == "deadline"]
    assert len(got) == 1 and "förfaller" in got[0]["consequence"] and "fördelas då om" in got[0]["consequence"], got
