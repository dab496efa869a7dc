"""Loader and validation of the knowledge base (engine/knowledge.py): broken YAML must fail loudly, by file and path."""
from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from engine.knowledge import KNOWLEDGE_DIR, KNOWN_DOCS, KnowledgeError, load_knowledge
from engine.models import DeadlineKind, RecipientKind

SRC = "{doc: 000_d71a0ad9cf9b4dba, section: Bilaga}"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A copy of the real knowledge directory that a test can add a broken file to."""
    d = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, d)
    return d


def _add(kb_dir: Path, text: str, name: str = "zz_extra.yaml") -> Path:
    p = kb_dir / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def _error(kb_dir: Path, **kw) -> str:
    with pytest.raises(KnowledgeError) as ei:
        load_knowledge(kb_dir, **kw)
    return str(ei.value)


def test_copy_of_real_directory_loads(kb_dir: Path) -> None:
    kb = load_knowledge(kb_dir)
    assert set(kb.agreements) == {"ok2012", "ok2013", "ok2019", "ok2020", "ok2021"}


def test_yaml_syntax_error_names_file_and_line(kb_dir: Path) -> None:
    _add(kb_dir, "facts:\n  - id: x\n    topic: [a\n")
    msg = _error(kb_dir)
    assert "zz_extra.yaml" in msg and "rad 4" in msg and "YAML-syntaxfel" in msg


def test_unknown_key_names_path(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        facts:
          - id: x-fact
            topic: test
            title: t
            text: t
            colour: red
            source: {SRC}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: facts[0].colour: Extra inputs are not permitted" in msg


def test_unknown_top_level_key(kb_dir: Path) -> None:
    _add(kb_dir, "deadline: []\n")
    assert "zz_extra.yaml: deadline: Extra inputs are not permitted" in _error(kb_dir)


def test_bad_date_names_path(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        deadlines:
          - {{id: x-dl, agreement: ok2020, kind: faktura, date: 2020-13-01, who: a, action: b, source: {SRC}}}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: deadlines[0].date:" in msg and "valid date" in msg


def test_negative_amount_names_path(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        allocations:
          - {{id: x-a0, table: t, agreement: ok2020, year: 2020, recipient: lan-20, amount: "5", source: {SRC}}}
          - {{id: x-a1, table: t, agreement: ok2020, year: 2020, recipient: lan-20, amount: "-5", source: {SRC}}}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: allocations[1].amount: Input should be greater than or equal to 0" in msg


def test_float_amount_is_refused(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        allocations:
          - {{id: x-a0, table: t, agreement: ok2020, year: 2020, recipient: lan-20, amount: 7649410.97, source: {SRC}}}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: allocations[0].amount:" in msg and "no floats" in msg


def test_duplicate_id_across_files(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        facts:
          - {{id: ok2020-faktura-moms, topic: faktura_moms, title: t, text: t, source: {SRC}}}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: facts[0].id" in msg and "ok2020-faktura-moms" in msg
    assert "000_storsthlm_2020.yaml" in msg  # where the first one is


def test_duplicate_id_against_recipient(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        facts:
          - {{id: kommun-2080, topic: x, title: t, text: t, source: {SRC}}}
        """)
    assert "zz_extra.yaml: facts[0].id" in _error(kb_dir)


def test_duplicate_yaml_key_in_mapping(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        facts:
          - id: x-fact
            topic: a
            topic: b
            title: t
            text: t
            source: {SRC}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: facts[0].topic" in msg and "två gånger" in msg


def test_unknown_post_reference(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        allocations:
          - {{id: x-a0, table: t, agreement: ok2020, year: 2020, recipient: lan-20, post: ok2020-lan-nothing, amount: "1", source: {SRC}}}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: allocations[0].post" in msg and "ok2020-lan-nothing" in msg


def test_post_of_other_agreement_is_refused(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        allocations:
          - {{id: x-a0, table: t, agreement: ok2020, year: 2020, recipient: lan-20, post: ok2021-lan-brukarmedverkan, amount: "1", source: {SRC}}}
        """)
    assert "zz_extra.yaml: allocations[0].post" in _error(kb_dir)


def test_unknown_recipient_and_agreement(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        allocations:
          - {{id: x-a0, table: t, agreement: ok2020, year: 2020, recipient: kommun-9999, amount: "1", source: {SRC}}}
        """)
    assert "zz_extra.yaml: allocations[0].recipient" in _error(kb_dir)
    _add(kb_dir, f"""\
        facts:
          - {{id: x-f, topic: x, agreement: ok1999, title: t, text: t, source: {SRC}}}
        """)
    assert "zz_extra.yaml: facts[0].agreement" in _error(kb_dir)


def test_unknown_applies_to(kb_dir: Path) -> None:
    _add(kb_dir, f"""\
        deadlines:
          - {{id: x-dl, agreement: ok2020, kind: faktura, who: a, action: b, applies_to: ["lan:99:kommun"], source: {SRC}}}
        """)
    assert "zz_extra.yaml: deadlines[0].applies_to[0]" in _error(kb_dir)


def test_unknown_doc_stem(kb_dir: Path) -> None:
    _add(kb_dir, """\
        facts:
          - {id: x-f, topic: x, title: t, text: t, source: {doc: 005_doesnotexist, section: s}}
        """)
    msg = _error(kb_dir)
    assert "zz_extra.yaml: facts[0].source.doc" in msg and "005_doesnotexist" in msg


def test_unknown_doc_stem_in_nested_key_source(kb_dir: Path) -> None:
    _add(kb_dir, """\
        posts:
          - id: ok2021-lan-x
            agreement: ok2021
            year: 2021
            name: x
            short: x
            level: lan
            key: {kind: fixed, description: d, source: {doc: 002_typo, section: s}}
            source: {doc: 004_8ae5d07353da7d80, section: s}
        """)
    assert "zz_extra.yaml: posts[0].key.source.doc" in _error(kb_dir)


def test_doc_missing_from_seeds_dir_is_refused(kb_dir: Path, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for stem in KNOWN_DOCS[1:]:  # 000 is missing from this seeds directory
        (seeds / f"{stem}.txt").write_text("x", encoding="utf-8")
    msg = _error(kb_dir, seeds_dir=seeds)
    assert "000_storsthlm_2020.yaml" in msg and "000_d71a0ad9cf9b4dba" in msg


def test_no_seeds_dir_uses_builtin_list(kb_dir: Path, tmp_path: Path) -> None:
    kb = load_knowledge(kb_dir, seeds_dir=tmp_path / "absent")
    assert "ok2019" in kb.agreements


def test_post_year_outside_agreement(kb_dir: Path) -> None:
    _add(kb_dir, """\
        posts:
          - {id: ok2019-lan-x, agreement: ok2019, year: 2020, name: x, short: x, level: lan, source: {doc: 003_4537f3e9166044c5, section: s}}
        """)
    assert "zz_extra.yaml: posts[0].year" in _error(kb_dir)


def test_recipient_merge_rejects_bad_field(kb_dir: Path) -> None:
    p = kb_dir / "recipients.yaml"
    p.write_text(p.read_text(encoding="utf-8") + '  - {id: lan-20, metropolitan: "maybe"}\n', encoding="utf-8")
    assert "recipients.yaml: recipients[" in _error(kb_dir)


def test_recipient_listed_twice_in_recipients_yaml(kb_dir: Path) -> None:
    p = kb_dir / "recipients.yaml"
    p.write_text(p.read_text(encoding="utf-8") + '  - {id: region-01, aliases: ["x"]}\n', encoding="utf-8")
    msg = _error(kb_dir)
    assert "recipients.yaml" in msg and "region-01" in msg


def test_bad_register_row(kb_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(KNOWLEDGE_DIR.parent / "data", data)
    with (data / "municipalities.csv").open("a", encoding="utf-8") as f:
        f.write("123,Bad kommun,Bad,01\n")
    msg = _error(kb_dir, data_dir=data)
    assert "municipalities.csv" in msg and "rad 292" in msg


# --------------------------------------------------------------------------- API


def test_default_load_is_cached() -> None:
    assert load_knowledge() is load_knowledge()


def test_posts_for() -> None:
    kb = load_knowledge()
    ids = {p.id for p in kb.posts_for("ok2021")}
    assert "ok2021-lan-suicidprevention" in ids and len(ids) == 12
    assert {p.id for p in kb.posts_for(year=2021)} == ids
    assert kb.posts_for("ok2021", year=2019) == []


def test_allocations_for() -> None:
    kb = load_knowledge()
    falun = kb.allocations_for("kommun-2080", 2020)
    assert {a.amount for a in falun} == {Decimal("1150872.72"), Decimal("575436.36"), Decimal("1726309")}
    assert kb.allocations_for("kommun-2080", 2019) == []
    assert [a.amount for a in kb.allocations_for("kommun-0180")] == [Decimal("22949683")]


def test_register_lookups() -> None:
    kb = load_knowledge()
    assert kb.county("20").name == "Dalarnas län" and kb.county("20").short == "Dalarna"
    assert kb.county(1).id == "lan-01"
    assert kb.region("20").name == "Region Dalarna"
    assert kb.region("14").name == "Västra Götalandsregionen"
    assert kb.region("01").name == "Region Stockholm"
    assert [r.code for r in kb.metropolitan_counties()] == ["01", "12", "14"]
    with pytest.raises(KeyError):
        kb.county("99")
    dalarna = kb.municipalities_in_county("20")
    assert len(dalarna) == 15 and all(r.kind == RecipientKind.kommun for r in dalarna)


def test_official_names_and_aliases() -> None:
    kb = load_knowledge()
    r = kb.recipients
    assert r["kommun-0180"].name == "Stockholms stad"
    assert r["kommun-1280"].name == "Malmö stad"
    assert r["kommun-1480"].name == "Göteborgs Stad"
    assert r["kommun-2080"].name == "Falu kommun" and "Falun" in r["kommun-2080"].aliases
    assert r["kommun-2031"].name == "Rättviks kommun" and r["kommun-2031"].short == "Rättvik"
    assert {"Stockholm stad", "Sthlm stad"} <= set(r["kommun-0180"].aliases)
    assert {"SLL", "Region Sthlm", "Stockholms läns landsting"} <= set(r["region-01"].aliases)
    assert "Landstinget Dalarna" in r["region-20"].aliases
    assert {"Storsthlm", "KSL"} <= set(r["storsthlm"].aliases) and r["storsthlm"].county_code == "01"
    assert {"SKL", "SKR"} <= set(r["skr"].aliases)
    assert r["kommunerna-01"].kind == RecipientKind.grupp


def test_deadlines_for_and_facts_for() -> None:
    kb = load_knowledge()
    (faktura,) = kb.deadlines_for("ok2020", DeadlineKind.faktura)
    assert faktura.date == dt.date(2020, 12, 1) and "lan:01:kommun" in faktura.applies_to
    assert kb.deadlines_for("ok2021", "rekvisition")[0].date == dt.date(2021, 12, 1)
    assert kb.facts_for("faktura_referens")[0].value == "717/771"
    assert all(f.agreement == "ok2019" for f in kb.facts_for(agreement_id="ok2019"))


def test_agreement_for_year() -> None:
    kb = load_knowledge()
    assert kb.agreement_for_year(2022).id == "ok2021"
    assert kb.agreement_for_year(2021).id == "ok2021"
    assert kb.agreement_for_year(2020).id == "ok2020"
    assert kb.agreement_for_year(2013).id == "ok2013"
    assert kb.agreement_for_year(2015) is None


def test_discrepancy_about_must_name_known_ids(tmp_path):
    import shutil

    kdir = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, kdir)
    path = kdir / "004_ok_2021.yaml"
    text = path.read_text(encoding="utf-8").replace("about: [ok2021]", "about: [ok2099-finns-inte]")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as e:
        load_knowledge(directory=kdir)
    assert "004_ok_2021.yaml" in str(e.value) and "about[0]" in str(e.value) and "ok2099-finns-inte" in str(e.value)
