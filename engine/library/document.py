"""A library document: metadata, its text split into sections (headings) and pages, a stable id.

The adapter (sheets/documents.py) turns a file into `DocumentText` (pages of plain text plus the
headings the format itself marks, e.g. Word heading styles or Markdown `#`); everything after that —
sections, the proposed title/date/dnr, the id — happens here, the same way for every format.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field

from engine.parsing import MONTHS
from engine.text import LazyPattern, fold


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

_AMOUNTISH = LazyPattern(r"\d\s?(?:kr|kronor|tkr|mkr|mnkr|miljoner)\b", re.I)
_NUMBERED = LazyPattern(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,4}\.)\s+[A-ZÅÄÖ][^\n]{1,70}$")
_ENDS_SENTENCE = LazyPattern(r"[.!?:;]\s*$")
#: a row of a table whose unit is in its caption: a name, then a decimal figure, then at most a short key
#: ("Traumavård 47,5 B", "Sammanhållen vård 215,0 F4 + B", "Gotlands län 2,25", "Totalt 2 035,0")
_FIGURE_ROW = LazyPattern(r"^[A-ZÅÄÖ][^\d]{1,80}?\s(?:\d{1,2}\s)?\d{1,3}(?:\s\d{3})*,\d{1,2}(?:\s+\S{1,3}){0,3}$")
#: a table row: a short line (a name or a code first) that ends in an amount
_ROW_LIKE = LazyPattern(r"^(?=(?:\S+\s+){1,11}\S+$)(?:\d{3,6}\s+)?[A-ZÅÄÖ](?:[^.!?:;]|\.(?!\s+[A-ZÅÄÖ]))*\d\s?(?:kr|kronor|tkr|mkr|mnkr)$")


def _looks_like_heading(line: str, prev: str, nxt: str = "X") -> bool:
    s = line.strip()
    if nxt[:1].islower() or nxt[:1] == "(":
        return False  # the line goes on in the next one ("Avrundat" / "belopp", "… Regeringskansliet" / "(Socialdep…")
    if prev.rstrip().endswith(":"):
        return False  # "Länsgemensamma medel:" introduces a list or a table, not a section
    if not s or len(s) > 80 or _ENDS_SENTENCE.search(s) or s.endswith(","):
        return False
    if _NUMBERED.match(s) and re.search(r"\b(?:och|samt|eller|i|till|för|av|om|på|med|att|som|genom|mellan|från)$", s):
        return False  # "3. Bankgironummer dit medlen ska betalas ut, samt": a list item going on, not a heading
    if re.search(r"\d[\d ]*(?:,\d+)?\s*(?:kr|kronor|tkr|mkr|mnkr|miljoner|miljarder|miljon)\b", s, re.I) or "@" in s:
        return False  # an amount or a contact line, not a heading
    if _FIGURE_ROW.match(s):
        return False  # "Traumavård 47,5 B", "Summa 21 län 39,00": a table row of a table whose unit is in its caption
    if _NUMBERED.match(s) and len([w for w in s.split() if re.search(r"\w", w)]) <= 9:
        return True  # "4.2 Post B – Barn och unga – samordnad individuell plan" (a dash is no word)
    if _ROW_LIKE.match(nxt) or _FIGURE_ROW.match(nxt):
        return False  # "Kod Kommun Folkmängd Belopp post A" over "2505 Arvidsjaur 6 219 inv. 104 438 kr": a column header
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


#: a run of leader dots between a name and its figure ("Kiruna (2584) ........ 630 715 kr")
_LEADER = LazyPattern(r"\s*(?:\.\s?){4,}\s*")
#: how often a line must recur to be a running page header or footer
RUNNING_MIN = 3


#: a page number as page headers and footers write it: "Sida 2 (7)", "… 3 (6)", "sida 4 av 9", "Page 2"
_PAGE_NO = LazyPattern(r"\b(?:sida|page|s\.)\s*\d+\b|\b\d+\s*\(\d+\)$|\b\d+\s+av\s+\d+$", re.I)


def _page_furniture(pages: list[str]) -> set[str]:
    """The running page header and footer: a page-number line that recurs (its numbers aside) at least
    RUNNING_MIN times ("Sida 2 (7)", "Bilaga 2 – ÖK 2027   3 (6)"), and the lines that recur word for word as
    often next to it (the letterhead "Region X | Postadress …", "Dnr: RS 2027/0412"). Returned as shapes
    (digits as #). A document repeats no sentence, list item or table row beside its page numbers."""
    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", line)

    lines = [ln for page in pages for ln in (" ".join(r.split()) for r in clean_text(page).split("\n")) if ln]
    shapes = Counter(shape(ln) for ln in lines)
    exact = Counter(lines)
    numbered = [i for i, ln in enumerate(lines) if shapes[shape(ln)] >= RUNNING_MIN and _PAGE_NO.search(ln)
                and not re.search(r"\d\s?(?:kr|kronor|tkr|mkr|mnkr|miljoner|procent|%)", ln, re.I)]
    out = {shape(lines[i]) for i in numbered}
    for i, ln in enumerate(lines):
        if exact[ln] >= RUNNING_MIN and any(abs(i - j) <= 6 for j in numbered) and not ln.endswith(":") \
                and not _AMOUNTISH.search(ln):
            out.add(shape(ln))
    return out


def split_sections(doc: DocumentText, *, first_heading: str = "Inledning") -> list[Section]:
    """Sections by heading, each cut again at page boundaries so every chunk knows its page. Running page
    headers and footers are left out, and leader dots become one space."""
    hints = {" ".join(h.split()) for h in doc.headings if h.strip()}
    furniture = _page_furniture(doc.pages)
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
        lines = [_LEADER.sub(" ", ln) for ln in lines if not ln or re.sub(r"\d+", "#", ln) not in furniture]
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

_DATE_WORDS = LazyPattern(r"\b(\d{1,2}) (" + "|".join(m for m in MONTHS if len(m) > 3 or m == "maj") + r") (\d{4})\b", re.I)
_DATE_ISO = LazyPattern(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DNR = LazyPattern(r"\b(?:dnr|diarienummer|ärendenr|ärendenummer|dnr\.)[:.]?\s*([A-ZÅÄÖ]{0,4}[\w./-]*\d[\w./-]*)",
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
