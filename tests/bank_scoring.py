"""Scoring of question banks and dialogues, shared by the tests and `python -m tests.bank_scoring`.

A bank item: {q, expect: [[alt, ...], ...], source?, absent?, lang?, class?, persona?} (class and persona
only group the score). It passes when every
expect group has one alternative in the answer (case-insensitive, spaces inside numbers ignored),
the source stem is cited, no `absent` string appears, and an item with `lang: en` is answered in
English (`Answer.language == "en"`).

A failed item is a *wrong figure* when the answer states a figure or date that answers something
else: it contains an `absent` string, or the item expects "not in the documents" and the answer
does not say so but leads with an amount or a date, or the answer's first line leads with an
amount/date none of the expected alternatives contains.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

NOT_IN_DOCS = ("finns inte i dokumenten", "framgår inte av dokumenten", "not in the documents")
_FIGURE = re.compile(r"\d[\d  ]*(?:[,.]\d+)? ?(?:kr|sek|mkr|msek|tkr|kronor|miljoner|million)|\d{1,2} (?:[a-zé]+) \d{4}"
                     r"|\d{4}-\d\d-\d\d", re.I)


def norm(s: str) -> str:
    s = s.lower().replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    s = s.replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"(?<=\d)\s+(?=\d)", "", s)


def load(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or []


def check(item: dict[str, Any], answer: dict[str, Any], *, first_line: bool = False) -> list[str]:
    text = norm(_lead_line(answer["text"]) if first_line else answer["text"])
    problems = [f"missing one of {grp}" for grp in item["expect"] if not any(norm(str(a)) in text for a in grp)]
    src = item.get("source")
    if src and src not in json.dumps(answer.get("sources", []), ensure_ascii=False):
        problems.append(f"source {src} not cited")
    problems += [f"must not contain {a!r}" for a in item.get("absent", []) if norm(str(a)) in norm(answer["text"])]
    if item.get("lang") == "en" and answer.get("language") != "en":
        problems.append("not answered in English")
    return problems


def _lead_line(answer: str) -> str:
    for line in answer.splitlines():
        if re.search(r"\d", line):
            return line.strip()[:80]
    return ""


def wrong_figure(item: dict[str, Any], answer: dict[str, Any]) -> bool:
    """Did a failed answer state a figure/date as the answer to a different question?"""
    text = answer["text"]
    if any(norm(str(a)) in norm(text) for a in item.get("absent", [])):
        return True
    expects_none = any(any(a in NOT_IN_DOCS for a in grp) for grp in item["expect"])
    says_none = any(p in text.lower() for p in NOT_IN_DOCS)
    first = text.strip().splitlines()[0] if text.strip() else ""
    leads_with_figure = bool(_FIGURE.match(first.strip()))
    if expects_none:
        return not says_none and leads_with_figure
    if not leads_with_figure:
        return False
    wanted = [norm(str(a)) for grp in item["expect"] for a in grp]
    lead = norm(_FIGURE.match(first.strip()).group(0))
    return not any(lead.split(" ")[0] in w or w in norm(first) for w in wanted)


def score_bank(engine: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    ok = 0
    wrong = 0
    by_class: Counter[str] = Counter()
    by_class_ok: Counter[str] = Counter()
    by_persona: Counter[str] = Counter()
    by_persona_ok: Counter[str] = Counter()
    failures = []
    for item in items:
        answer = engine.ask(item["q"]).to_json_dict()
        problems = check(item, answer)
        cls = str(item.get("class", "-"))
        persona = str(item.get("persona", "-"))
        by_class[cls] += 1
        by_persona[persona] += 1
        if not problems:
            ok += 1
            by_class_ok[cls] += 1
            by_persona_ok[persona] += 1
            continue
        wf = wrong_figure(item, answer)
        wrong += wf
        failures.append((item["q"], problems, wf, answer["text"][:200]))
    return {"ok": ok, "n": len(items), "wrong_figures": wrong, "failures": failures,
            "by_class": {c: (by_class_ok[c], by_class[c]) for c in sorted(by_class)},
            "by_persona": {p: (by_persona_ok[p], by_persona[p]) for p in sorted(by_persona)}}


def run_dialogue(engine: Any, dialogue: dict[str, Any], key: str) -> list[tuple[dict, dict, list[str]]]:
    """All turns of one dialogue in one conversation (like `stimulans chat`)."""
    out = []
    for turn in dialogue["turns"]:
        ask = engine.ask
        try:
            answer = ask(str(turn["q"]), conversation=key).to_json_dict()
        except TypeError:  # an engine without follow-up context
            answer = ask(str(turn["q"])).to_json_dict()
        item = dict(turn)
        item.setdefault("source", turn.get("source") or dialogue.get("source"))
        if "source" in turn or "source" in dialogue:
            item["source"] = turn.get("source", dialogue.get("source"))
        out.append((turn, answer, check(item, answer, first_line=bool(turn.get("first_line")))))
    return out


def score_dialogues(engine: Any, dialogues: list[dict[str, Any]]) -> dict[str, Any]:
    turns_ok = turns = full = wrong = 0
    failures = []
    for i, d in enumerate(dialogues):
        results = run_dialogue(engine, d, f"bank:{i}")
        all_ok = True
        for turn, answer, problems in results:
            turns += 1
            if problems:
                all_ok = False
                wf = wrong_figure(turn, answer)
                wrong += wf
                failures.append((d.get("name", "?"), turn["q"], problems, wf, answer["text"][:200]))
            else:
                turns_ok += 1
        full += all_ok
    return {"turns_ok": turns_ok, "turns": turns, "dialogues_ok": full, "dialogues": len(dialogues),
            "wrong_figures": wrong, "failures": failures}


def known_failures(engine: Any, banks: list[Path], dialogues: list[Path]) -> list[dict[str, str]]:
    """Every item/dialogue that fails now, with what is wrong (tests/known_failures.yaml)."""
    out = []
    for bank in banks:
        for item in load(bank):
            problems = check(item, engine.ask(item["q"]).to_json_dict())
            if problems:
                out.append({"bank": bank.stem, "q": item["q"], "reason": "; ".join(problems)[:200]})
    for bank in dialogues:
        for i, d in enumerate(load(bank)):
            bad = [f"turn {j + 1}: {'; '.join(p)[:150]}" for j, (_, _, p) in
                   enumerate(run_dialogue(engine, d, f"known:{bank.stem}:{i}")) if p]
            if bad:
                out.append({"bank": bank.stem, "q": d["name"], "reason": " | ".join(bad)[:300]})
    return out


def main(argv: list[str]) -> int:
    from engine.knowledge import load_knowledge
    from engine.qa import Engine

    if "--write-known-failures" in argv:  # regenerate tests/known_failures.yaml (the strict xfails)
        root = Path(__file__).resolve().parents[1]
        engine = Engine(load_knowledge())
        found = known_failures(engine, sorted((root / "tests" / "questions").glob("*.yaml")),
                               sorted((root / "tests" / "dialogues").glob("*.yaml")))
        header = ("# Strict xfails of tests/test_questions.py: items of the question banks and dialogues the engine\n"
                  "# still gets wrong, with what is wrong. Regenerate: python -m tests.bank_scoring --write-known-failures\n")
        (root / "tests" / "known_failures.yaml").write_text(
            header + yaml.safe_dump(found, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
        print(f"{len(found)} known failures written")
        return 0
    show = "--show" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")]
    engine = Engine(load_knowledge())
    for path in paths:
        items = load(path)
        if items and "turns" in items[0]:
            r = score_dialogues(engine, items)
            print(f"{path.name}: {r['turns_ok']}/{r['turns']} turns, {r['dialogues_ok']}/{r['dialogues']} dialogues, "
                  f"wrong figures {r['wrong_figures']}")
            for f in r["failures"] if show else []:
                print("   MISS", f)
        else:
            r = score_bank(engine, items)
            print(f"{path.name}: {r['ok']}/{r['n']} ({100 * r['ok'] / max(1, r['n']):.0f} %), "
                  f"wrong figures {r['wrong_figures']}, by class {r['by_class']}"
                  + (f", by persona {r['by_persona']}" if len(r["by_persona"]) > 1 else ""))
            for f in r["failures"] if show else []:
                print("   MISS", f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
