"""`stimulans chat` end to end: a real subprocess on a local workbook in a temporary data dir, driven
through every example of its own help text and of README.md. No answer may be the generic failure."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "fråga> "
FAILURES = ("Något gick fel", "Jag förstod inte", "Traceback")
#: inline code that shows a formatted value, not a question (`1 726 309 kr`, `1 december 2020`)
_VALUE = re.compile(r"^[\d\s,.]+(kr|SEK)?$|^\d{1,2} [a-zåäö]+ \d{4}$")


def readme_examples(text: str) -> list[str]:
    """Questions shown in README.md: `stimulans ask "…"` lines, the inline-code questions of the
    "Asking questions" section, and any other inline code ending with '?'."""
    found = [q for q in re.findall(r'stimulans ask "([^"]+)"', text) if q != "fråga"]
    section = re.search(r"^## Asking questions\n(.*?)(?=^## )", text, re.S | re.M)
    if section:
        found += [s for s in re.findall(r"`([^`\n]+)`", section.group(1))
                  if not _VALUE.match(s.strip()) and not s.startswith(("/", "stimulans ", '"'))]  # commands, literals
    found += [s for s in re.findall(r"`([^`\n]+\?)`", text) if not s.startswith(("/", "stimulans"))]
    return list(dict.fromkeys(s.strip() for s in found))


def run_chat(lines: list[str], data_dir: Path) -> tuple[list[str], str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STIMULANS_", "SLACK_", "GOOGLE_"))}
    env.update(STIMULANS_DATA_DIR=str(data_dir), HOME=str(data_dir), PYTHONIOENCODING="utf-8")
    proc = subprocess.run([sys.executable, "-m", "bot", "chat"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, env=env, cwd=data_dir, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    answers = [a.strip() for a in proc.stdout.split(PROMPT)[1:]]
    return answers[: len(lines)], proc.stdout.split(PROMPT)[0] + proc.stderr


def help_examples(help_text: str, marker: str = "Exempel:") -> list[str]:
    after = help_text.split(marker, 1)[1]
    out = []
    for line in after.splitlines():
        if line.strip().startswith("•"):
            out += [p.strip() for p in line.strip().lstrip("•").split("·") if p.strip()]
    return out


def test_readme_examples_are_found():
    examples = readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "hur mkt far rattvik 2020" in examples and "moms på fakturan?" in examples
    assert not any(_VALUE.match(e) for e in examples)


def test_chat_answers_every_help_and_readme_example(tmp_path):
    first, banner = run_chat(["hjälp", "help"], tmp_path)
    examples = help_examples(first[0])
    assert "status Falun" in examples and "vilka har inte fakturerat?" in examples
    english = help_examples(first[1], "Examples:")  # "help" is English: so is the help, examples included
    assert first[1].startswith("I answer questions") and "who has not invoiced?" in english
    examples += english
    examples += re.findall(r't\.ex\. "([^"]+)"', banner)
    examples += readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    examples = list(dict.fromkeys(examples))
    answers, log = run_chat(examples, tmp_path)
    assert len(answers) == len(examples)
    bad = {q: a[:200] for q, a in zip(examples, answers, strict=True)
           if not a or any(f in a for f in FAILURES)}
    assert not bad, bad
    unanswered = [q for q, a in zip(examples, answers, strict=True) if q in english and "no reliable answer" in a]
    assert not unanswered, unanswered  # the English help's examples are answered, in English
    assert "Traceback" not in log and "unhashable" not in log
    assert (tmp_path / "stimulans.xlsx").exists()  # the status questions went through the local store
