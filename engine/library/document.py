"""A library document: metadata, its text split into sections (headings) and pages, a stable id.

The adapter (sheets/documents.py) turns a file into `DocumentText` (pages of plain text plus the
headings the format itself marks, e.g. Word heading styles or Markdown `#`); everything after that —
sections, the proposed title/date/dnr, the id — happens here, the same way for every format.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from engine.parsing import MONTHS
from engine.text import fold


class DocumentError(ValueError):
    """A document cannot be added, read or removed. str(e) is one clear Swedish line."""


@dataclass
class DocumentText:
    """What a file adapter hands the engine: the text page by page and the headings the format marks."""

    pages: list[str]
    headings: set[str] = field(default_factory=set)
    kind: str = "txt"  # pdf, docx, txt, md

    @property
    def text(self) -> str:
        return "\n\n".join(self.pages)


@dataclass(kw_only=True)
class Section:
    __pydantic_config__ = {"extra": "forbid"}  # validated when read back (engine.models.validate)

    heading: str
    page: int | None = None  # 1-based; None when the document has no pages
    text: str
    #: headings directly before this one that had no text of their own (a form's field names, a year over
    #: its sub-headings): kept so drafting can read the document's structure; not part of `text`
    before: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class LibraryDocument:
    """An added document or a seed: what `Library` keeps as `<id>.json` (dates as ISO text)."""

    __pydantic_config__ = {"extra": "forbid"}

    id: str  # "dok-<10 hex>" for added documents, the file stem for the seeds
    title: str
    publisher: str | None = None
    date: dt.date | None = None
    dnr: str | None = None
    url: str | None = None
    filename: str | None = None
    kind: str = "txt"
    added: dt.datetime | None = None
    sha256: str
    pages: int = 0  # 0: no page structure (plain text)
    sections: list[Section]
    seed: bool = False  # one of the five source documents in ../shared/seeds (text not copied)

    @property
    def text(self) -> str:
        return "\n".join(s.text for s in self.sections)


# --------------------------------------------------------------------------- text clean-up


def clean_text(text: str) -> str:
    """Undo PDF extraction noise: soft hyphens, words split at line ends, odd spaces."""
    text = text.replace("\u00ad", "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u2010", "-").replace("\u2011", "-").replace("‐", "-")
    text = re.sub(r"[ \t]+", " ", text)
    # "stimulans-\nmedel" -> "stimulansmedel" (a hyphen at a line end before a lower-case letter)
    text = re.sub(r"(?<=[a-zåäöé])-[ ]?\n\s*(?=[a-zåäöé])", "", text)
    return text


def content_hash(text: str) -> str:
    """The same text gives the same hash whatever its spacing, case or line breaks (duplicate check)."""
    return hashlib.sha256(" ".join(fold(clean_text(text)).split()).encode("utf-8")).hexdigest()


def document_id(sha: str) -> str:
    return f"dok-{sha[:10]}"


# --------------------------------------------------------------------------- sections

_AMOUNTISH = re.compile(r"\d\s?(?:kr|kronor|tkr|mkr|mnkr|miljoner)\b", re.I)
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,4}\.)\s+[A-ZÅÄÖ][^\n]{1,70}$")
_ENDS_SENTENCE = re.compile(r"[.!?:;]\s*$")


def _looks_like_heading(line: str, prev: str, nxt: str = "X") -> bool:
    s = line.strip()
    if nxt[:1].islower():
        return False  # the line goes on in the next one ("Avrundat" / "belopp")
    if prev.rstrip().endswith(":"):
        return False  # "Länsgemensamma medel:" introduces a list or a table, not a section
    if not s or len(s) > 80 or _ENDS_SENTENCE.search(s) or s.endswith(","):
        return False
    if re.search(r"\d[\d ]*(?:,\d+)?\s*(?:kr|kronor|tkr|mkr|mnkr|miljoner|miljarder|miljon)\b", s, re.I) or "@" in s:
        return False  # an amount or a contact line, not a heading
    if _NUMBERED.match(s) and len(s.split()) <= 9:
        return True
    if not s[0].isupper() or len(s.split()) > 8:
        return False
    if len(s.split()) <= 4 and not re.search(r"\d", s) and prev and not re.search(
            r"(?:[,\-–]|\b(?:och|i|till|för|av|om|på|med|att|som|den|det|en|ett|eller|samt))\s*$", prev) \
            and len(nxt.split()) >= 5 and not _AMOUNTISH.search(nxt):
        return True  # "Rekvisition" after a list line, before its first sentence
    if len(prev.split()) == 1:
        return False  # "Kunskapsbas." is an abbreviation in a table header, not a finished sentence
    # a short capitalised line after a finished sentence (or at the start) starts a section
    return not prev or bool(_ENDS_SENTENCE.search(prev)) or prev in ("", )


def split_sections(doc: DocumentText, *, first_heading: str = "Inledning") -> list[Section]:
    """Sections by heading, each cut again at page boundaries so every chunk knows its page."""
    hints = {" ".join(h.split()) for h in doc.headings if h.strip()}
    paged = len(doc.pages) > 1 or doc.kind in ("pdf", "docx")
    sections: list[Section] = []
    heading = first_heading
    buf: list[str] = []
    empty: list[str] = []  # headings since the last section with text

    def flush(page: int | None, at_heading: bool = False) -> None:
        body = "\n".join(buf).strip()
        if body:
            sections.append(Section(heading=heading, page=page, text=body, before=list(empty)))
            empty.clear()
        elif at_heading and (not empty or empty[-1] != heading):
            empty.append(heading)
        buf.clear()

    for pno, page_text in enumerate(doc.pages, start=1):
        page = pno if paged else None
        prev = ""
        lines = [" ".join(raw.split()) for raw in clean_text(page_text).split("\n")]
        following = [""] * len(lines)
        nxt = ""
        for i in range(len(lines) - 1, -1, -1):
            following[i] = nxt
            if lines[i]:
                nxt = lines[i]
        for i, line in enumerate(lines):
            md = re.match(r"^#{1,6}\s+(.+)$", line)
            if md:
                line = md.group(1).strip()
            if line and (md or line in hints or (not hints and _looks_like_heading(line, prev, following[i] or "X"))):
                flush(page, at_heading=True)
                heading = line.rstrip(" :")
                prev = ""
                continue
            buf.append(line)
            if line:
                prev = line
        flush(page)
    return sections


# --------------------------------------------------------------------------- proposed metadata

_DATE_WORDS = re.compile(r"\b(\d{1,2}) (" + "|".join(m for m in MONTHS if len(m) > 3) + r") (\d{4})\b", re.I)
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DNR = re.compile(r"\b(?:dnr|diarienummer|ärendenr|ärendenummer|dnr\.)[:.]?\s*([A-ZÅÄÖ]{0,4}[\w./-]*\d[\w./-]*)",
                  re.I)


def find_dates(text: str) -> list[tuple[dt.date, int]]:
    """Every written date ("1 december 2021", "2021-12-01") with its position."""
    out: list[tuple[dt.date, int]] = []
    for m in _DATE_WORDS.finditer(text):
        try:
            out.append((dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))), m.start()))
        except (ValueError, KeyError):
            continue
    for m in _DATE_ISO.finditer(text):
        try:
            out.append((dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.start()))
        except ValueError:
            continue
    return sorted(out, key=lambda dp: dp[1])


def propose_title(doc: DocumentText) -> str:
    for h in doc.headings:
        if h.strip():
            return " ".join(h.split())[:160]
    lines = [" ".join(raw.split()) for raw in clean_text(doc.text).split("\n")]
    lines = [ln.lstrip("# ").strip() for ln in lines if ln.strip()]
    if not lines:
        return "Namnlöst dokument"
    title = lines[0]
    # a title broken over two lines: "Förslag på användning av medel som …" + "… hälsa 2020"
    if len(lines) > 1 and not _ENDS_SENTENCE.search(title) and lines[1][:1].islower():
        title = f"{title} {lines[1]}"
    return title.rstrip(" :")[:160]


def propose_date(doc: DocumentText) -> dt.date | None:
    found = find_dates(doc.text[:4000])
    return found[0][0] if found else None


def propose_dnr(doc: DocumentText) -> str | None:
    m = _DNR.search(doc.text[:6000])
    return m.group(1).rstrip(".") if m else None
