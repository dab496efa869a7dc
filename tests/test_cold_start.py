"""`stimulans <command>` registers only the command it runs (issue #13: cold start); the map from
command to module must say what the modules really register."""
import argparse
import importlib

from bot.cli import COMMAND_MODULES, COMMAND_OF, build_parser


def _registered_by(module: str) -> set[str]:
    sub = argparse.ArgumentParser().add_subparsers(dest="command")
    importlib.import_module(f"bot.cli.commands.{module}").register(sub)
    return set(sub.choices)


def test_each_mapped_command_is_registered_by_its_module():
    for command, module in COMMAND_OF.items():
        assert module in COMMAND_MODULES, command
        assert command in _registered_by(module), (command, module)


def test_every_command_of_every_module_is_mapped():
    everything = {c for m in COMMAND_MODULES for c in _registered_by(m)}
    assert everything == set(COMMAND_OF)


def _commands(parser: argparse.ArgumentParser) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_one_command_registers_its_module_only_and_help_registers_all():
    assert _commands(build_parser(["ask", "Hur mycket får Falun 2020?"])) == {"ask"}
    assert _commands(build_parser(["-v", "update", "Falun", "status", "rekvirerad"])) == _registered_by("sheet")
    everything = set(COMMAND_OF)
    assert _commands(build_parser()) == everything
    assert _commands(build_parser(["--help"])) == everything
    assert _commands(build_parser(["-h", "ask"])) == everything
    assert _commands(build_parser(["okänt-kommando"])) == everything  # argparse names every choice
    args = build_parser(["ask", "--json", "moms?"]).parse_args(["ask", "--json", "moms?"])
    assert args.command == "ask" and args.json and args.question == ["moms?"]


def test_phrases_and_topics_skipped_unseen_give_what_every_pattern_gives():
    """The parser compiles a phrase or topic pattern only when its first word is in the question; the
    result must be what running every pattern gives (re.I's İ, ı, ſ and the Kelvin sign included)."""
    import re

    from benchmarks.bench_questions import questions
    from engine import lexicon
    from engine.understanding import QuestionParser, normalise, translate_phrases

    def every_phrase(text):
        for eng, sv in sorted(lexicon.PHRASES.items(), key=lambda kv: -len(kv[0])):
            text = re.sub(r"(?i)(?<![\w])" + re.escape(eng) + r"(?![\w])", sv, text)
        return text

    def every_topic(text):
        hits = []
        for topic, triggers in lexicon.TOPIC_TRIGGERS.items():
            for t in triggers:
                parts = [re.escape(w) + (r"[a-z]*" if len(w) >= 5 else "") for w in t.split()]
                if m := re.search(r"(?<![a-z0-9])" + " ".join(parts) + r"(?![a-z0-9])", text):
                    hits.append((topic, t, m.start(), m.end()))
        scores = {}
        for topic, t, start, end in hits:
            if not any(s <= start and end <= e and ((e - s) > (end - start) or len(o) > len(t)) for _, o, s, e in hits):
                scores[topic] = scores.get(topic, 0.0) + 1.0 + len(t) / 20
        return scores

    odd = [p.upper() for p in lexicon.PHRASES] + [p.replace("i", "ı").replace("s", "ſ").replace("k", "\u212a")
                                                  for p in lexicon.PHRASES] + [p.replace("i", "İ") for p in lexicon.PHRASES]
    for q in questions() + odd:
        assert translate_phrases(q) == every_phrase(q), q
        text = normalise(q)
        assert QuestionParser._topics(text) == every_topic(text), q


def test_reading_settings_imports_neither_pydantic_nor_anything_heavy(tmp_path):
    """config.settings is plain Python: importing it and reading the settings (with a .env, so python-dotenv
    is loaded too) leaves pydantic, pydantic-settings, asyncio, importlib.metadata and YAML unloaded."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    (tmp_path / ".env").write_text("STIMULANS_SNAPSHOT_TTL=5\n", encoding="utf-8")
    heavy = ("pydantic", "pydantic_core", "pydantic_settings", "asyncio", "importlib.metadata", "yaml")
    code = ("import json, sys\nimport config.settings as s\nbare = sorted(sys.modules)\n"
            "ttl = s.Settings().snapshot_ttl_seconds\n"
            "print(json.dumps({'bare': bare, 'read': sorted(sys.modules), 'ttl': ttl}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STIMULANS_", "SLACK_", "GOOGLE_", "REDIS_"))}
    env["PYTHONPATH"] = str(root)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["ttl"] == 5.0  # the .env was read
    for modules in (out["bare"], out["read"]):
        assert not [m for m in modules if m in heavy or m.partition(".")[0] in heavy[:3]], modules
    assert "dotenv" not in out["bare"] and "typing" not in out["bare"]  # dotenv only when a .env exists


def test_the_console_entry_ends_ask_early_with_all_its_output_and_its_exit_code(tmp_path):
    """`python -m bot ask` (the console script's path) ends with os._exit after flushing: the whole answer
    reaches a pipe, the exit code is kept, and a reader that goes away early gets no traceback."""
    import subprocess
    import sys

    from tests.import_blocker import ROOT, clean_env

    env = clean_env(tmp_path, STIMULANS_CACHE_DIR="off", STIMULANS_WORKBOOK=str(tmp_path / "none.xlsx"))
    run = [sys.executable, "-m", "bot", "ask"]
    ok = subprocess.run([*run, "Hur mycket får Falun 2020?"], cwd=ROOT, env=env, capture_output=True, text=True,
                        timeout=120)
    assert ok.returncode == 0 and ok.stdout.startswith("1 726 309 kr") and "Källa:" in ok.stdout, ok
    assert ok.stdout.endswith("\n") and not ok.stderr
    empty = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert empty.returncode == 2 and "skriv en fråga" in empty.stderr
    many = "\n".join(["Hur mycket får Falun 2020?"] * 200) + "\n"
    head = subprocess.Popen([*run, "-"], cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert head.stdout is not None and head.stdin is not None
    head.stdin.write(many)
    head.stdin.close()
    first = head.stdout.readline()
    head.stdout.close()  # the reader goes away (`| head -1`)
    assert head.wait(timeout=120) == 0 and first.startswith("1 726 309 kr")
    assert "Traceback" not in (head.stderr.read() if head.stderr else "")


def test_the_letter_bound_never_skips_a_name_rapidfuzz_would_match():
    """Recipient typo matching skips names whose shared letters cannot reach the cutoff (so most questions
    never import rapidfuzz): the bound must be at least fuzz.ratio for every pair of words."""
    import random

    from rapidfuzz import fuzz

    from engine.recipients import _shared_letters

    rng = random.Random(13)
    letters = "aabdeeiklmnorssttuvåäö"
    for _ in range(20_000):
        a = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
        b = "".join(rng.choice(letters) for _ in range(rng.randint(1, 12)))
        assert fuzz.ratio(a, b) <= 200 * _shared_letters(a, b) / (len(a) + len(b)) + 1e-9, (a, b)


def test_no_local_workbook_means_the_store_is_not_opened_for_a_question(tmp_path):
    """With no workbook yet the sheet layer is empty without opening the store; once it exists it is read."""
    from engine.knowledge import load_knowledge
    from engine.qa import Engine

    opened: list[int] = []
    workbook = tmp_path / "s.xlsx"

    def factory():
        opened.append(1)
        raise RuntimeError("no store in this test")

    engine = Engine(load_knowledge(), store_factory=factory, sheet_exists=workbook.exists)
    assert engine.ask("Hur mycket får Falun 2020?").text.startswith("1 726 309 kr") and not opened
    workbook.write_bytes(b"")
    assert engine.ask("Hur mycket får Falun 2020?").text.startswith("1 726 309 kr") and opened
