"""The compiled knowledge base (engine/knowledge_cache.py, issue #13): the same answers with or without
it; any change of what it was built from gives another fingerprint; a corrupt, foreign or unwritable
cache is ignored; `stimulans ask` does not pay for the workbook, Slack, Google or babel."""
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine import knowledge_cache as kc
from engine.knowledge import SEEDS_DIR
from engine.knowledge_layers import load_live, open_library
from engine.library import drafts
from engine.library.document import DocumentText
from engine.qa import Engine
from tests.import_blocker import clean_env

ROOT = Path(__file__).resolve().parents[1]
SEEDS = SEEDS_DIR if SEEDS_DIR.is_dir() else None
QUESTIONS = ["Hur mycket får Falun 2020?", "hur mkt far rattvik 2020", "moms på fakturan?", "Vilka grundkrav gällde 2013?",
             "Hur fördelas brukarmedverkan mellan länen 2021?", "how much does Borlange get 2020",
             "Hur mycket får traumavården 2026?", "När ska kommunerna rekvirera medlen 2026?",
             "Vad kostar en kurator?", "Sista dag att fakturera Storsthlm?"]
NOTES = """Överenskommelse om psykisk hälsa och suicidprevention 2026

Staten och SKR har den 12 december 2025 beslutat om överenskommelsen för 2026. Överenskommelsen omfattar totalt 1 200 000 000 kronor för 2026.

Fördelning
1. Utvecklingsarbete utifrån handlingsplaner till kommunerna: 300 Mkr
2. Stöd till traumavård i regionerna: 85 miljoner kronor

Rekvisition
Kommunerna ska rekvirera medlen från Kammarkollegiet senast den 1 november 2026.
"""


def _answers(kb) -> list[dict]:
    engine = Engine(kb)
    return [engine.ask(q).to_json_dict() for q in QUESTIONS]


def _cache_files(cache: Path) -> list[Path]:
    return sorted(cache.glob("kunskap-*.pickle"))


def test_cached_knowledge_answers_exactly_as_loaded_knowledge(tmp_path):
    data, cache = tmp_path / "data", tmp_path / "cache"
    built = kc.load_live_cached(data, SEEDS, cache_dir=cache)  # a miss: loaded, then written
    assert len(_cache_files(cache)) == 1 and kc.prebuilt(built, "facts") is None
    cached = kc.load_live_cached(data, SEEDS, cache_dir=cache)  # a hit
    assert kc.prebuilt(cached, "facts") is not None and kc.prebuilt(cached, "vocabulary") is not None
    assert cached.library is not None and cached.library.directory == data / "dokument"
    plain = load_live(data, SEEDS)
    assert cached.facts == plain.facts and cached.allocations == plain.allocations
    assert cached.recipients == plain.recipients and cached.deadlines == plain.deadlines
    assert [d.id for d in cached.library.documents()] == [d.id for d in plain.library.documents()]
    assert _answers(cached) == _answers(plain)


def test_accepting_and_removing_a_document_changes_the_fingerprint_and_the_answers(tmp_path):
    data, cache = tmp_path / "data", tmp_path / "cache"
    before = kc.fingerprint(data, SEEDS)
    kc.load_live_cached(data, SEEDS, cache_dir=cache)
    lib = open_library(data, SEEDS)
    doc = lib.add(DocumentText(pages=[NOTES]), filename="notes.txt", title="ÖK 2026 (prov)")
    added = kc.fingerprint(data, SEEDS)
    assert added != before  # a new library document (its id may now be cited)
    drafts.draft_and_store(lib, doc)
    drafts.decide(lib, doc, accept="all")
    accepted = kc.fingerprint(data, SEEDS)
    assert accepted != added
    kb = kc.load_live_cached(data, SEEDS, cache_dir=cache)
    assert kb.layer_docs == {doc.id} and _answers(kb) == _answers(load_live(data, SEEDS))
    again = kc.load_live_cached(data, SEEDS, cache_dir=cache)
    assert kc.prebuilt(again, "facts") is not None and again.layer_docs == {doc.id}
    assert "85 000 000 kr" in Engine(again).ask("Hur mycket får traumavården 2026?").text
    lib.remove(doc.id)
    assert kc.fingerprint(data, SEEDS) not in (accepted, added)
    gone = kc.load_live_cached(data, SEEDS, cache_dir=cache)
    assert gone.layer_docs == set() and "85 000 000 kr" not in Engine(gone).ask("Hur mycket får traumavården 2026?").text


def test_the_fingerprint_covers_curated_files_register_seeds_and_code(tmp_path, monkeypatch):
    data = tmp_path / "data"
    knowledge, register, code = tmp_path / "knowledge", tmp_path / "register", tmp_path / "engine"
    shutil.copytree(kc.KNOWLEDGE_DIR, knowledge)
    shutil.copytree(kc.DATA_DIR, register)
    shutil.copytree(kc._ENGINE_DIR, code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kc, "KNOWLEDGE_DIR", knowledge)
    monkeypatch.setattr(kc, "DATA_DIR", register)
    monkeypatch.setattr(kc, "_ENGINE_DIR", code)
    seeds = tmp_path / "seeds"
    if SEEDS is not None:
        shutil.copytree(SEEDS, seeds)
    else:
        seeds.mkdir()
    seen = {kc.fingerprint(data, seeds)}
    assert kc.fingerprint(data, seeds) in seen  # stable

    def changed() -> bool:
        new = kc.fingerprint(data, seeds)
        fresh = new not in seen
        seen.add(new)
        return fresh

    yaml_file = sorted(knowledge.glob("*.yaml"))[0]
    yaml_file.write_bytes(yaml_file.read_bytes().replace(b"\n", b"\n\n", 1))  # one byte, same meaning
    assert changed()
    csv_file = register / "counties.csv"
    csv_file.write_bytes(csv_file.read_bytes() + b"\n")
    assert changed()
    (seeds / "999_extra.txt").write_text("ett nytt dokument", encoding="utf-8")
    assert changed()
    lexicon = code / "lexicon.py"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert changed()
    (data / "kunskap").mkdir(parents=True)
    (data / "kunskap" / "dok-0123456789.yaml").write_text("facts: []\n", encoding="utf-8")
    assert changed()
    monkeypatch.setattr(kc, "FORMAT", "another-format")
    assert changed()


def _single_cache_file(cache: Path) -> Path:
    files = _cache_files(cache)
    assert len(files) == 1
    return files[0]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other payload", "wrong key", "empty"])
def test_a_corrupt_or_foreign_cache_file_is_ignored_and_rebuilt(tmp_path, damage):
    data, cache = tmp_path / "data", tmp_path / "cache"
    kc.load_live_cached(data, SEEDS, cache_dir=cache)
    path = _single_cache_file(cache)
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a pickle at all")
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "other payload":
        path.write_bytes(pickle.dumps({"format": kc.FORMAT, "key": path.stem.removeprefix("kunskap-"),
                                       "kb": "not a knowledge base", "seeds": {}}))
    elif damage == "wrong key":  # a valid file of another fingerprint under this name
        payload = pickle.loads(good)
        payload["key"] = "0" * 40
        path.write_bytes(pickle.dumps(payload))
    else:
        path.write_bytes(b"")
    kb = kc.load_live_cached(data, SEEDS, cache_dir=cache)
    assert kc.prebuilt(kb, "facts") is None  # not taken from the damaged file
    assert _answers(kb) == _answers(load_live(data, SEEDS))
    assert path.read_bytes() != b"not a pickle at all" and pickle.loads(path.read_bytes())["key"] == \
        path.stem.removeprefix("kunskap-")  # rebuilt
    assert kc.prebuilt(kc.load_live_cached(data, SEEDS, cache_dir=cache), "facts") is not None


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_cache_file_others_can_write_is_not_loaded(tmp_path):
    data, cache = tmp_path / "data", tmp_path / "cache"
    kc.load_live_cached(data, SEEDS, cache_dir=cache)
    path = _single_cache_file(cache)
    assert (path.stat().st_mode & 0o077) == 0 and (cache.stat().st_mode & 0o077) == 0
    path.chmod(0o666)
    assert kc.prebuilt(kc.load_live_cached(data, SEEDS, cache_dir=cache), "facts") is None


def test_an_unwritable_cache_folder_only_costs_the_speed_up(tmp_path):
    data = tmp_path / "data"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    kb = kc.load_live_cached(data, SEEDS, cache_dir=blocked / "cache")
    assert _answers(kb)[0] == _answers(load_live(data, SEEDS))[0]
    assert kc.prebuilt(kc.load_live_cached(data, SEEDS, cache_dir=None), "facts") is None


def test_old_cache_files_are_pruned(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    for i in range(kc.KEEP + 3):
        old = cache / f"kunskap-{i:040d}.pickle"
        old.write_bytes(b"x")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    kc.load_live_cached(tmp_path / "data", SEEDS, cache_dir=cache)
    files = _cache_files(cache)
    assert len(files) == kc.KEEP
    assert not (cache / f"kunskap-{0:040d}.pickle").exists()


def _ask(tmp_path: Path, cache: str, *extra: str) -> subprocess.CompletedProcess:
    env = clean_env(tmp_path, STIMULANS_CACHE_DIR=cache, STIMULANS_WORKBOOK=str(tmp_path / "none.xlsx"))
    # bot.cli.main, not `python -m bot`: the console entry ends `ask` with os._exit, before this could print
    code = ("import sys\nfrom bot.cli import main\nsys.argv = ['stimulans', 'ask', '--json', 'Hur mycket får Falun 2020?']\n"
            "main()\n"
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n")
    return subprocess.run([sys.executable, "-c", code, *extra], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)


def test_cli_ask_is_the_same_with_and_without_the_cache_and_imports_only_what_it_needs(tmp_path):
    cache = tmp_path / "cache"
    off = _ask(tmp_path, "off")
    first = _ask(tmp_path, str(cache))
    hit = _ask(tmp_path, str(cache))
    assert off.stdout == first.stdout == hit.stdout and "1 726 309 kr" in off.stdout
    assert len(_cache_files(cache)) == 1 and not (tmp_path / "none.xlsx").exists()
    loaded = set(hit.stderr.strip().splitlines()[-1].split(","))
    assert not loaded & {"openpyxl", "filelock", "gspread", "slack_sdk", "slack_bolt", "babel", "numpy", "bm25s",
                         "yaml", "pydantic", "pydantic_core", "rapidfuzz", "sqlite3", "asyncio"}, loaded
