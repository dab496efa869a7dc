"""Draft structured facts from a library document, for a coordinator to review.

On import the document's text is read for: the agreement (title, years, total), posts (name, level,
amount — tkr, Mkr, "miljoner kronor", "X kronor" converted exactly — and the key sentence),
per-recipient tables (name + amounts), deadlines (kind from the verb: rekvirera / fakturera /
redovisa / återbetala / meddela; date; who acts; to whom) and e-mail contacts. Every draft keeps its
exact source sentence, section, page and a confidence, and is flagged when it contradicts a figure
the knowledge base already has.

`decide(...)` accepts or rejects drafts; the accepted ones are written to the live knowledge layer
(`STIMULANS_DATA_DIR/kunskap/<id>.yaml`) as a KnowledgeFile — validated by the same pydantic models
and cross-checked with the whole knowledge base — and from then on the structured engine answers
them (amounts, deadlines, reminders, App Home) like the curated YAML.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from engine.formatting import format_date, format_kr
from engine.library.document import DocumentError, LibraryDocument, find_dates
from engine.library.library import Library, write_atomic
from engine.library.passages import _LIST_ITEM_UNIT, _LIST_LEAD, _PAYOUT_SPLIT, MAX_LIST, _units
from engine.models import KnowledgeFile, Source, as_dict, validate
from engine.parsing import ParseError, parse_amount
from engine.text import fold

_NUM = r"\d{1,3}(?:[ \u00a0]\d{3})+(?:,\d{1,2})?|\d+(?:,\d{1,2})?"
_UNIT = r"(?i:miljarder kronor|miljoner kronor|miljon kronor|mnkr|mkr|tkr|kronor|kr)"
AMOUNT = re.compile(rf"(?<![\d,])(?P<num>{_NUM})\s?(?P<unit>{_UNIT})(?![a-zåäöA-ZÅÄÖ])")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

_KIND_STEMS: list[tuple[str, tuple[str, ...]]] = [
    ("aterbetalning", ("aterbetal", "betalas tillbaka", "betala tillbaka")),
    ("faktura", ("fakturer", "faktura")),
    ("rekvisition", ("rekvir", "rekvisition")),
    ("slutrapport", ("slutrapport", "slutredovis")),
    ("ekonomisk_redovisning", ("ekonomisk redovisning", "ekonomiska redovisning")),
    ("redovisning", ("redovis", "redogor")),
    ("avsta", ("avsta", "meddela")),
    # last: a sentence that names a requisition or a report as well stays that kind
    ("utbetalning", ("betalar ut", "betalas ut", "betala ut", "utbetalas", "utbetalning ske")),
    ("anmalan", ("anmal",)),
    ("grundkrav", ("grundkrav",)),  # (reported: see _GRUNDKRAV, which goes first)
]
_ACTIONS = {
    "rekvisition": "rekvirera medlen", "faktura": "skicka faktura", "aterbetalning": "återbetala medel som inte använts",
    "slutrapport": "lämna slutredovisning", "ekonomisk_redovisning": "lämna ekonomisk redovisning",
    "redovisning": "redovisa insatserna", "avsta": "meddela att ni avstår medlen",
    "utbetalning": "betala ut medlen", "anmalan": "anmäla vem som tar emot medlen",
    "grundkrav": "redovisa att grundkraven är uppfyllda",
}
_GENERIC_WORDS = {"kommunerna", "regionerna", "kommuner", "regioner", "insatser", "medlen", "medel", "arbete",
                  "utveckling", "fortsatt", "stimulansmedel", "området", "omradet", "psykisk", "hälsa", "halsa",
                  "landstingen", "samtliga", "resterande", "länsnivå", "lansniva", "fördelas", "fordelas",
                  "utifrån", "utifran", "genom", "mellan", "stärka", "starka", "särskilt", "sarskilt", "ytterligare",
                  "inklusive", "förbättra", "forbattra", "personer", "behöver", "behover", "tillförs", "tillfors",
                  "tilldelas", "avsätts", "avsatts", "fortsätta", "fortsatta"}


@dataclass(kw_only=True)
class DraftItem:
    """One proposed knowledge item of a document, with the sentence it was read from, for the review."""

    __pydantic_config__ = {"extra": "forbid"}  # validated when read back (engine.models.validate)

    n: int
    kind: str  # agreement, post, allocation, deadline, fact
    label: str  # one line for the review
    data: dict[str, Any]  # the KnowledgeFile item (amounts as strings)
    sentence: str  # the exact source sentence
    section: str
    page: int | None = None
    confidence: float
    conflict: str | None = None  # the existing figure it contradicts
    status: str = "utkast"  # utkast, godkänd, avvisad


_SECTION_OF = {"agreement": "agreements", "post": "posts", "allocation": "allocations", "deadline": "deadlines",
               "fact": "facts"}
_KIND_LABEL = {"agreement": "Överenskommelse", "post": "Post", "allocation": "Tabellrad", "deadline": "Deadline",
               "fact": "Uppgift"}


# --------------------------------------------------------------------------- drafting


def _amount(m: re.Match) -> Decimal | None:
    unit = m.group("unit").lower().replace(" kronor", "")
    unit = {"miljon": "miljoner"}.get(unit, unit)
    try:
        return parse_amount(f"{m.group('num')} {unit}")
    except ParseError:
        return None


def _src(doc: LibraryDocument, section: str, page: int | None, quote: str | None = None) -> dict[str, Any]:
    """The item's source; `quote` is its exact source sentence (what the answer gate checks a figure against)."""
    return as_dict(Source(doc=doc.id, section=section[:200], title=doc.title, page=page, url=doc.url,
                  quote=" ".join(quote.split())[:600] if quote else None), exclude_none=True)


def _slug(text: str, n: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:n].strip("-") or "x"


def _level(text: str) -> str:
    f = fold(text)
    if re.search(r"lansgemensam|lansniva|per lan\b|lanen\b", f):
        return "lan"
    if re.search(r"\b(skr|skl)\b", f) and not re.search(r"kommun|region|landsting", f):
        return "skr"
    kommun = bool(re.search(r"\bkommun(?:en|erna|er|ens|ernas|ers)?\b", f))
    region = bool(re.search(r"\bregion(?:en|erna|er|ens|ernas|ers)?\b|landsting", f))  # not "regional nivå"
    if kommun and region:
        return "kommun_och_region"
    if region:
        return "region"
    return "kommun" if kommun else "kommun_och_region"


def _synonyms(name: str) -> list[str]:
    words = [w.strip(",.()") for w in name.split()]
    content = [w for w in words if len(w) >= 7 and fold(w) not in {fold(g) for g in _GENERIC_WORDS}]
    out = [name] + content[:4]
    if len(content) >= 2:
        out.append(" ".join(content[:2]))
    return list(dict.fromkeys(o for o in out if o))


#: a post's label in its document, asked for as such ("post B"): "Post A", "Post 2", "Område B", "Delområde 3"
_POST_LABEL = re.compile(r"^(?:post|område|delområde|insatsområde)\s+(?:[A-Z]|\d{1,2})\b", re.I)


@dataclass
class _Unit:
    text: str
    section: str
    page: int | None
    prev: str = ""
    head_year: int | None = None  # the year of a "Prestationsmål 2013" heading the unit stands under


#: "… hos målgruppen 200 Mkr tillförs kommuner …", "… enligt följande: 350 Mkr fördelas …": a list item whose
#: predecessor has no full stop starts where an amount is followed by an allocating verb
_RUN_IN_ITEM = re.compile(rf"(?<=[a-zåäö:;)])(?<!\boch)(?<!\bsamt)\s+(?=(?:{_NUM})\s?(?:{_UNIT})\s+(?:kronor\s+)?(?:ska\s+)?"
                          r"(?:fördelas|tilldelas|tillförs|avsätts|går)\b)")


#: "… befolkningsmängd. b) 300 miljoner kronor anslås …": a lettered list item of an amount starts its own sentence
_LETTERED_ITEM = re.compile(r"(?<=[.:a-zåäö])\s+(?=[a-h]\)\s+\d)")  # only an item that opens with an amount
#: "3.1 Medel som tillförs regionerna": a numbered sub-heading inside a section sets the level of what follows
_SUBHEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2})+\.?\s+[A-ZÅÄÖ][^.:]{2,70}$")


def _units_of(doc: LibraryDocument) -> list[_Unit]:
    out: list[_Unit] = []
    years = _heading_years(doc)
    for sec, head_year in zip(doc.sections, years, strict=True):
        prev = ""
        for whole in (x for w in _units(sec.text) for x in _LETTERED_ITEM.split(w)):
            parts: list[str] = []
            for part in _RUN_IN_ITEM.split(whole):
                if parts and (len(parts[-1].split()) < 4 or re.search(r"\b(?:varav|resterande|dessa är)$", parts[-1], re.I)):
                    parts[-1] += " " + part  # "Resterande 22 000 000 kronor tilldelas …" is one sentence
                else:
                    parts.append(part)
            for u in parts:
                out.append(_Unit(u, sec.heading, sec.page, prev, head_year))
                prev = u
    return out


def _heading_years(doc: LibraryDocument) -> list[int | None]:
    """Per section, the year of the requirement heading ("Grundkrav 2013", "Prestationsmål 2012") it stands
    under, until the next such heading or an appendix heading; None elsewhere."""
    out: list[int | None] = []
    cur: int | None = None
    cur_no = ""  # the section number of a numbered requirement heading ("5.1"): the next section beside it ends it
    for sec in doc.sections:
        for h in [*sec.before, sec.heading]:
            m = _REQ_HEAD.match(h)
            no = _SECTION_NO.match(h)
            if m:
                cur, cur_no = int(m.group(2)), no.group(1) if no else ""
            elif re.match(r"^Bilaga\b", h, re.I) or (cur_no and no and not no.group(1).startswith(cur_no + ".")):
                cur, cur_no = None, ""
        out.append(cur)
        for line in sec.text.split("\n"):
            m = _REQ_HEAD.match(" ".join(line.split()))
            if m:
                cur = int(m.group(2))
    return out


def _years(doc: LibraryDocument) -> list[int]:
    span = re.search(r"(?<!\d)((?:19|20)\d\d)\s?[–-]\s?((?:19|20)\d\d)(?!\d)", doc.title)
    if span and 0 < int(span.group(2)) - int(span.group(1)) <= 3:  # "2021–2022"
        return list(range(int(span.group(1)), int(span.group(2)) + 1))
    title = re.sub(r"\d+/(?:19|20)\d\d", " ", doc.title)  # "meddelande 20/2020" is a number, not a year
    in_title = sorted({int(y) for y in _YEAR.findall(title)})
    if in_title:
        return list(range(in_title[0], in_title[-1] + 1)) if in_title[-1] - in_title[0] <= 3 else in_title
    counts: dict[int, int] = {}
    for y in _YEAR.findall(doc.text):
        counts[int(y)] = counts.get(int(y), 0) + 1
    if counts:
        return [max(counts, key=lambda y: (counts[y], y))]
    return [(doc.date or dt.date.today()).year]


@dataclass
class _Ctx:
    doc: LibraryDocument
    kb: Any
    agreement_id: str
    years: list[int]
    items: list[DraftItem] = field(default_factory=list)
    total: Decimal | None = None
    total_year: int | None = None
    column_names: set[str] = field(default_factory=set)  # table headings that name a listed post ("BUP")

    def add(self, kind: str, label: str, data: dict, unit: _Unit, confidence: float) -> None:
        self.items.append(DraftItem(n=len(self.items) + 1, kind=kind, label=label, data=data, sentence=unit.text,
                                    section=unit.section, page=unit.page, confidence=round(confidence, 2)))


def draft(doc: LibraryDocument, kb: Any) -> list[DraftItem]:
    """Every draft the document's text supports, numbered from 1, contradictions flagged."""
    units = _units_of(doc)
    years = _years(doc)
    ctx = _Ctx(doc, kb, f"{doc.id}-ok", years)
    _draft_agreement(ctx, units)
    _draft_level_totals(ctx, units)
    _draft_posts(ctx, units)
    _draft_unit_tables(ctx)
    _draft_tables(ctx, units)
    _equal_shares(ctx, units)
    _named_keys(ctx, units)
    _distinctive_synonyms(ctx)
    _draft_grants(ctx, units)
    _draft_deadlines(ctx, units)
    _draft_contacts(ctx, units)
    _draft_identifiers(ctx, units)
    _draft_rules(ctx, units)
    _draft_done_statements(ctx, units)
    _draft_signature(ctx)
    _draft_forms(ctx)
    _draft_requirement_lists(ctx)
    _draft_county_allocations(ctx, units)
    _population_date(ctx, units)
    # a post under a "Prestationsmål 2013" heading makes 2013 one of the agreement's years too
    agreement = next((i for i in ctx.items if i.kind == "agreement" and i.data.get("id") == ctx.agreement_id), None)
    if agreement is not None and isinstance(agreement.data.get("years"), list):
        extra = {i.data["year"] for i in ctx.items if i.kind == "post" and isinstance(i.data.get("year"), int)}
        agreement.data["years"] = sorted(set(agreement.data["years"]) | extra)
    for item in ctx.items:
        item.conflict = _conflict(item, kb)
    return ctx.items


def _draft_agreement(ctx: _Ctx, units: list[_Unit]) -> None:
    doc = ctx.doc
    total, total_unit = None, units[0] if units else _Unit(doc.title, "Inledning", None)
    for u in units:
        if re.search(r"\b(överenskommelsen|avtalet|satsningen)\b[^.]{0,40}\b(omfattar|uppgår)\b", u.text, re.I):
            amts = [a for a in (_amount(m) for m in AMOUNT.finditer(u.text)) if a]
            if amts:
                total, total_unit = max(amts), u
                break
    if total is None:  # "För år 2012 avsattes 456 500 000 kronor i statsbudgeten för detta ändamål", "Staten
        # avsätter för 2027 sammanlagt 2 035 miljoner kronor till överenskommelsen"
        for u in units:
            if re.search(r"\b(avsattes|avsätts|avsätter|har avsatts|anvisades|anvisar)\b", u.text, re.I) and \
                    re.search(r"\b(statsbudgeten|för detta ändamål|(?:till|för) överenskommelsen)\b", u.text, re.I):
                amts = [a for a in (_amount(m) for m in AMOUNT.finditer(u.text)) if a]
                if len(amts) == 1:
                    total, total_unit = amts[0], u
                    break
    decided = None
    for u in units:
        if re.search(r"\b(beslutat|beslutade|antog|ingick|godkände|undertecknad)\b", u.text, re.I):
            dates = find_dates(u.text)
            if dates:
                decided = dates[0][0]
                break
    data: dict[str, Any] = {
        "id": ctx.agreement_id, "name": doc.title, "short": doc.title if len(doc.title) <= 60 else doc.title[:57] + "…",
        "years": ctx.years, "parties": [doc.publisher] if doc.publisher else [],
        "source": _src(doc, total_unit.section, total_unit.page, total_unit.text if total is not None else None),
    }
    if decided:
        data["decided"] = decided.isoformat()
    if doc.dnr:
        data["case_number"] = doc.dnr
    label = f"{doc.title} ({', '.join(map(str, ctx.years))})"
    if total is not None:
        ctx.total = total
        in_sentence = [int(y) for y in _YEAR.findall(total_unit.text) if int(y) in ctx.years]
        ctx.total_year = in_sentence[0] if in_sentence else ctx.years[0]
        data["total"], data["total_year"] = str(total), ctx.total_year
        label += f", totalt {format_kr(total)}"
    ctx.add("agreement", label, data, total_unit, 0.8 if total is not None else 0.6)


_SHARE = re.compile(r"\b(?:ska\s+)?(?P<verb>fördelas|tilldelas|tillförs|avsätts|går)\s+(?:till\s+)?"
                    r"(?P<rec>regionerna|kommunerna|kommuner och regioner|regioner och kommuner|kommuner och landsting|"
                    r"landstingen|länen|SKR|SKL)\b", re.I)
_SUMMA = re.compile(rf"^Summa\s+(?P<label>[A-Za-zÅÄÖåäö ]{{3,60}}?)\s+(?P<num>{_NUM})$")
_TABLE_UNIT = re.compile(r"\b(mnkr|mkr|tkr)\b", re.I)


def _share_levels(recipient: str, joint: bool) -> list[str]:
    """The levels a stated share covers: "kommuner och regioner" in prose is everything but SKR (the county-shared
    posts included); a table's "Summa kommuner och landsting" beside "Summa kommuner" is their joint posts."""
    level = _level(recipient)
    if level == "kommun_och_region":
        return ["kommun_och_region"] if joint else ["region", "kommun", "lan", "kommun_och_region"]
    return [level]


def _draft_level_totals(ctx: _Ctx, units: list[_Unit]) -> None:
    """The shares of the whole the document states: "varav 1 658 000 000 kronor ska fördelas till kommuner och
    regioner", "Resterande 22 000 000 kronor tilldelas SKR" (the total's sentence and the two after it), and a
    table's "Summa landsting 1160" lines (scaled by the table's "Mnkr"/"tkr" header)."""
    agreement = next((i for i in ctx.items if i.kind == "agreement"), None)
    if agreement is None or ctx.total is None:
        return
    totals: list[dict[str, Any]] = []
    seen: set[tuple] = set()
    start = next((k for k, u in enumerate(units) if u.text == agreement.sentence), None)
    if start is not None:
        for u in units[start:start + 3]:
            if u.section != units[start].section:
                break
            for m in AMOUNT.finditer(u.text):
                amt = _amount(m)
                share = _SHARE.match(u.text, m.end() + 1) or _SHARE.match(u.text, m.end())
                if amt is None or share is None or amt >= ctx.total:
                    continue
                levels = _share_levels(share.group("rec"), joint=False)
                if tuple(levels) not in seen:
                    seen.add(tuple(levels))
                    totals.append({"levels": levels, "label": share.group(0).strip(), "amount": str(amt),
                                   "source": _src(ctx.doc, u.section, u.page, u.text)})
    for sec in ctx.doc.sections:
        unit = None
        for line in [*sec.before, sec.heading, *sec.text.split("\n")]:
            line = " ".join(line.split())
            um = _TABLE_UNIT.search(line)
            if um and not AMOUNT.search(line):
                unit = um.group(1)
            m = _SUMMA.match(line)
            if not m or unit is None:
                continue
            label = m.group("label").strip()
            if _level(label) == "kommun_och_region" and not re.search(r"kommun|region|landsting", fold(label)):
                continue  # "Summa totalt": not a level
            amt = parse_amount(f"{m.group('num')} {unit.lower()}") if m.group("num") else None
            levels = _share_levels(label, joint=True)
            if amt is None or amt >= ctx.total or tuple(levels) in seen:
                continue
            seen.add(tuple(levels))
            totals.append({"levels": levels, "label": f"Summa {label}", "amount": str(amt),
                           "source": _src(ctx.doc, sec.heading, sec.page, f"{line} {unit}")})
    if totals:
        agreement.data["level_totals"] = totals
        agreement.label += "; " + ", ".join(f"{t['label']} {format_kr(Decimal(t['amount']))}" for t in totals)


_CONSEQUENCE = re.compile(r"\b(förfaller|återkräv|återkrav|återbetalningsskyldig|kan komma att|går förlorad)", re.I)
_LIST_INTRO = re.compile(r"\b(?:fördelas|tilldelas|går|betalas)\s+(?:till|för)\s+[^.:]{0,60}?(?:enligt följande|:)",
                         re.I)
_ACTOR = re.compile(r"kommun|region|landsting|län|skr|skl|mottagar|huvudm|storsthlm|aktör|förbund|samordnare",
                    re.I)
_BAD_NAME = re.compile(r"foljande|\b(fordelas|utbetalas|betalas ut|tilldelas|avsatts|omfattar)\b")
_POST_NAMED = re.compile(rf"(?:^|(?<=\s))(?:\d{{1,2}}\.\s+|[•\-–]\s*)?(?P<name>[A-ZÅÄÖ][^:•]{{2,140}}?):\s*(?P<amt>(?:{_NUM})\s?(?:{_UNIT}))(?![a-zåäöA-ZÅÄÖ])")
_LEVEL_WORDS = r"(?:regionerna|kommunerna|kommuner och regioner|regioner och kommuner|kommuner och landsting|landstingen|länen|SKR|SKL)"
_POST_RECIPIENT = re.compile(rf"^(?:till\s+)?(?P<rec>{_LEVEL_WORDS}(?:\s+på länsnivå)?)\s+(?=för\b|till\b)(?:för|till)\s+", re.I)
_TWO_RECIPIENTS = re.compile(rf"^(?:till\s+)?(?P<a>{_LEVEL_WORDS})\s+och\s+(?P<amt2>(?:{_NUM})\s?(?:{_UNIT}))\s+"
                             rf"(?:\w+\s+){{0,2}}till\s+(?P<b>{_LEVEL_WORDS})\s+(?P<rest>(?:för|att)\b.+)", re.I)
#: "Tillgänglighet i barn- och ungdomspsykiatrin        410 000 tkr": a line of a name and an amount, nothing else
_POST_COLUMNED = re.compile(rf"^(?P<name>[A-ZÅÄÖ][^\d:.•,;]{{3,100}}?)\s+(?P<amt>(?:{_NUM})\s?(?:{_UNIT}))$")
_NOT_A_POST = re.compile(r"(?:totalt?|summa|sammanlagt|varav|darav|riket|hela|sverige|resterande)\b")
_POST_LEAD = re.compile(rf"^(?:\d{{1,2}}\.\s+|[a-z]\)\s+|[•\-–]\s*)?(?P<amt>(?:{_NUM})\s?(?:{_UNIT}))\s+(?:\w+\s+)?(?P<verb>för|till|tilldelas|tillförs|fördelas|avsätts)\s+(?P<name>[^.]{{4,200}})", re.I)


def _draft_posts(ctx: _Ctx, units: list[_Unit]) -> None:
    doc, seen = ctx.doc, set()
    context_level, section = None, None
    columned: list[tuple[str, str, Decimal]] = []  # (the line, spaces collapsed; name; amount)
    for sec in doc.sections:  # a list of such lines, or one under a lead-in ending in ":"
        lines = [ln.strip() for ln in sec.text.split("\n") if ln.strip()]
        hits = [_POST_COLUMNED.match(ln) for ln in lines]
        for i, m in enumerate(hits):
            listed = (i > 0 and (hits[i - 1] or lines[i - 1].endswith(":"))) or (i + 1 < len(hits) and hits[i + 1])
            if m and listed and not _NOT_A_POST.match(fold(m.group("name"))) and not _BAD_NAME.search(fold(m.group("name"))):
                amt = _amount(next(AMOUNT.finditer(m.group("amt"))))
                if amt is not None:
                    columned.append((lines[i], m.group("name").strip(), amt))
    for u in units:
        if u.section != section:
            context_level, section = None, u.section
        intro = _LIST_INTRO.search(u.text)
        if intro:  # "Stimulansmedel fördelas till regionerna enligt följande:"
            context_level = _level(intro.group(0))
        elif _SUBHEADING.match(u.text):
            context_level = _level(u.text) if _level(u.text) != "kommun_och_region" else None
        found: list[tuple[str, Decimal, float, str, str | None]] = []  # name, amount, confidence, sentence, level
        for m in _POST_NAMED.finditer(u.text):
            amt = _amount(next(AMOUNT.finditer(m.group("amt"))))
            name = " ".join(m.group("name").split()).strip(" ,-–")
            if amt is not None and len(name) <= 140:
                found.append((name, amt, 0.75, m.group(0).strip(), None))
        m = _POST_LEAD.match(u.text)
        if m:
            amt = _amount(next(AMOUNT.finditer(m.group("amt"))))
            numbered = re.match(rf"^\d{{1,2}} (?P<amt>\d{{1,3}}(?: \d{{3}})+\s?(?:{_UNIT}))", m.group("amt"))
            if amt is not None and ctx.total is not None and amt > ctx.total and numbered:
                amt = _amount(next(AMOUNT.finditer(numbered.group("amt"))))  # "2 200 000 000 kronor": item 2
            name = " ".join(m.group("name").split())
            name = re.split(r"\. |, (?:vilket|som)\b|\bMedlen\b", name)[0].strip(" ,.")
            to_level = None
            if m.group("verb").lower() not in ("för",):
                # "tillförs regionerna för …", "fördelas till SKR för …": the recipient sets the level
                r = _POST_RECIPIENT.match(name)
                if r:
                    to_level, name = _level(r.group("rec")), name[r.end():]
                # "350 Mkr fördelas till regionerna och 350 Mkr till kommunerna för …": one post per recipient
                two = _TWO_RECIPIENTS.match(name)
                if two and (amt2 := _amount(next(AMOUNT.finditer(two.group("amt2"))))) is not None:
                    rest = re.sub(r"^(?:för att|för|att)\s+", "", two.group("rest")).strip(" ,.")
                    for rec, a2 in ((two.group("a"), amt), (two.group("b"), amt2)):
                        if amt is not None and len(rest) >= 4:
                            found.append((f"{rest[:120]} ({rec.lower()})", a2, 0.65, u.text, _level(rec)))
                    name = ""
            name = re.sub(r"^(?:att|för att)\s+", "", name)
            if amt is not None and len(name) >= 4:
                found.append((name[:140], amt, 0.7, u.text, to_level))
        for line, name, amt in columned:
            if line in u.text:  # "Tillgänglighet i barn- och ungdomspsykiatrin     410 000 tkr" in a list
                lvl = _level(u.text)
                found.append((name, amt, 0.7, line, None if lvl == "kommun_och_region" else lvl))
        for name, amt, conf, sentence, to_level in found:
            key = (fold(name), amt)
            if key in seen or amt <= 0 or _BAD_NAME.search(fold(name)):
                continue
            if ctx.total is not None and amt > ctx.total / 2:
                continue  # more than half the agreement is a share of it ("1 734 Mkr till kommuner och regioner")
                # or a misread table ("2 200" = item 2, 200 Mkr), not one post
            year = u.head_year or next((int(y) for y in _YEAR.findall(u.text) if int(y) in ctx.years),
                                       ctx.total_year or ctx.years[0])
            level = to_level if to_level and to_level != "kommun_och_region" else _level(name)
            if level == "kommun_och_region" and to_level is None:
                level = context_level or _level(f"{u.prev} {sentence}")
            i = units.index(u)
            dist = _key(units[i + 1] if i + 1 < len(units) and units[i + 1].section == u.section else None, u, doc)
            same = [p for p in ctx.items if p.kind == "post" and p.data["amount"] == str(amt) and p.data["year"] == year
                    and p.section != u.section and (p.data["level"] == level or "kommun_och_region" in (level, p.data["level"]))
                    and _level(u.section) in ("kommun_och_region", p.data["level"])]  # (not under another level's heading)
            if same:  # the same post restated in another section (a summary, then the agreement's body)
                if dist and "key" not in same[0].data:
                    same[0].data["key"] = dist  # the body often says how it is distributed
                continue
            seen.add(key)
            short = name if len(name) <= 50 else " ".join(name[:50].split()[:-1]) + "…"
            pid = f"{doc.id}-post-{_slug(name, 30)}-{year}"
            if any(i.data.get("id") == pid for i in ctx.items):
                pid = f"{pid}-{len(ctx.items)}"
            data = {"id": pid, "agreement": ctx.agreement_id, "year": year, "name": name, "short": short,
                    "synonyms": _synonyms(name), "level": level, "amount": str(amt),
                    "source": _src(doc, u.section, u.page, sentence)}
            if dist and level != "skr":  # SKR's own money is not distributed by a key
                data["key"] = dist
            if level != "skr" and (paid_to := _paid_to(units, i)):
                data["paid_to"] = paid_to
            ctx.add("post", f"{short} {year}: {format_kr(amt)} (nivå: {level})", data,
                    _Unit(sentence, u.section, u.page), conf)
    _restated_keys(ctx, units)
    _list_key(ctx, units)


#: "Mottagare av medlen är den aktör i ett län som kommuner och region anger", "Medlen till ungdomsmottagningarna
#: utbetalas till den aktör som regionen och länets kommuner anger": who receives a post's money
_PAID_TO = re.compile(r"(?:\bmottagare av medlen är|\bmedlen(?: till [^.]{3,60}?)? utbetalas till)\s+"
                      r"(?P<who>(?:den|de|det)\s+[^.;:]{3,120}?)(?=\s+med fördelningsnyckel\b|\s*[.;]|\s*$)", re.I)


#: a level's group line in a summary table ("Regionerna", "Länsnivå", "SKR")
_GROUP_LINE = re.compile(r"^(regionerna|kommunerna|landstingen|länen|länsnivå|länsgemensamma medel|skr|skl)$", re.I)
#: "Tillgänglighet i barn- och ungdomspsykiatrin 445,0 B": a name, a figure in the caption's unit, a key
_UNIT_ROW = re.compile(r"^(?P<name>[A-ZÅÄÖ][^\d]{1,80}?)\s+(?P<num>\d{1,3}(?:\s\d{3})*(?:,\d{1,2})?)"
                       r"(?P<key>(?:\s+\S{1,3}){0,3})$")


def _draft_unit_tables(ctx: _Ctx) -> None:
    """A summary table whose unit is in its caption ("Tabell 1. Sammanställning av medlen 2027 (mnkr)"): under a
    level's group line ("Regionerna"), rows "Traumavård 47,5 B" are that level's posts — only when the group's
    rows add up exactly to its "Summa regionerna 865,0" line (a misread row would not). A post the document
    already drafted (same level and amount) is not drafted twice."""
    doc = ctx.doc
    for sec in doc.sections:
        unit: str | None = None
        level: str | None = None
        group = ""
        rows: list[tuple[str, str, Decimal]] = []
        for raw in [*sec.before, sec.heading, *sec.text.split("\n")]:
            line = " ".join(raw.split())
            if not line:
                continue
            um = _TABLE_UNIT.search(line)
            if um and not AMOUNT.search(line) and not _UNIT_ROW.match(line):
                unit, level, rows = um.group(1).lower(), None, []
                continue
            if unit is None:
                continue
            if _GROUP_LINE.match(line):
                level, group, rows = _level(line), line, []
                continue
            m = _UNIT_ROW.match(line)
            if not m:
                continue
            amt = parse_amount(f"{m.group('num')} {unit}")
            name = m.group("name").strip(" .,")
            if amt is None:
                continue
            if re.match(r"(?i)summa\b", name):
                if level and rows and sum((a for _, _, a in rows), Decimal(0)) == amt:
                    _unit_table_posts(ctx, sec, level, rows, unit)
                rows = []
            elif not _NOT_A_POST.match(fold(name)) and level:
                # the row with the caption's unit after its figure: "Suicidprevention 230,0 mnkr B"
                # with its group: "Länsnivå: Suicidprevention 230,0 mnkr B"
                rows.append((f"{group}: " + " ".join(x for x in (name, m.group("num"), unit, m.group("key").strip()) if x),
                             name, amt))


def _unit_table_posts(ctx: _Ctx, sec: Any, level: str, rows: list[tuple[str, str, Decimal]], unit: str) -> None:
    year = ctx.total_year or ctx.years[0]
    for line, name, amt in rows:
        if any(p.kind == "post" and p.data.get("amount") == str(amt) and p.data.get("level") == level
               and p.data.get("year") == year for p in ctx.items):
            continue
        pid = f"{ctx.doc.id}-post-{_slug(name, 30)}-{year}"
        if any(i.data.get("id") == pid for i in ctx.items):
            pid = f"{pid}-{len(ctx.items)}"
        quote = line
        data = {"id": pid, "agreement": ctx.agreement_id, "year": year, "name": name, "short": name[:60],
                "synonyms": _synonyms(name), "level": level, "amount": str(amt),
                "source": _src(ctx.doc, sec.heading, sec.page, quote)}
        ctx.add("post", f"{name} {year}: {format_kr(amt)} (nivå: {level})", data, _Unit(quote, sec.heading, sec.page),
                0.7)


def _paid_to(units: list[_Unit], i: int) -> str | None:
    """Who receives the post of unit `i`, when its own sentence or the ones after it (up to the next post of
    the list) say so."""
    u = units[i]
    for k in range(i, min(i + 4, len(units))):
        v = units[k]
        if k > i and (v.section != u.section or AMOUNT.search(v.text) and _POST_LEAD.match(v.text)
                      or re.match(r"^[•\-–]", v.text)):
            break
        text = v.text[v.text.find(":") + 1:] if k == i and _POST_NAMED.search(v.text) else v.text
        m = _PAID_TO.search(" ".join(text.split()))
        if m:
            return m.group("who").strip(" ,")
    return None


def _restated_keys(ctx: _Ctx, units: list[_Unit]) -> None:
    """The agreement's body often restates a post in its own words and says how it is distributed ("… erhåller
    landstingen 24 000 000 kronor … för att stimulera brukarmedverkan. Medel för brukarsamverkan fördelas med
    1 000 000 kronor per landsting …"): a sentence in another section with the post's amount and one of its
    distinctive words lends the post the key of the sentence after it."""
    settled: set[int] = set()

    def open_(p: DraftItem) -> bool:  # no key yet, or only a list's general "efter befolkning"
        return p.data.get("key", {}).get("kind", "population") == "population" and p.n not in settled

    posts = [i for i in ctx.items if i.kind == "post" and open_(i)]
    for k, u in enumerate(units):
        amounts = {str(a) for a in (_amount(m) for m in AMOUNT.finditer(u.text)) if a is not None}
        f = fold(u.text)
        for p in posts:
            if p.data["amount"] not in amounts or p.section == u.section or not open_(p):
                continue
            words = [fold(w) for w in re.findall(r"[A-Za-zÅÄÖåäöé]{8,}", p.data["name"])
                     if fold(w) not in {fold(g) for g in _GENERIC_WORDS}]
            if not any(w[:-2] in f for w in words):
                continue
            nxt = units[k + 1] if k + 1 < len(units) and units[k + 1].section == u.section else None
            key = _key(nxt, u, ctx.doc)
            if key and p.data["level"] != "skr" and ("key" not in p.data or key["kind"] != "population"):
                p.data["key"] = key
                if key["kind"] != "population":
                    settled.add(p.n)


def _named_keys(ctx: _Ctx, units: list[_Unit]) -> None:
    """A post with no key of its own takes the key of a sentence about it by name: one that opens with its label
    ("Post B fördelas med ett grundbelopp om 80 000 kronor per kommun och resterande … efter folkmängd"), or the
    first key sentence of a section headed by its name ("3.4 Sammanhållen vård": "Varje län får först ett fast
    belopp om 4 miljoner kronor … Resterande 131 miljoner kronor fördelas mellan länen efter befolkningsmängd")."""
    labels = {fold(m.group(0)) for p in ctx.items if p.kind == "post" and (m := _POST_LABEL.match(p.data["name"]))}
    for p in ctx.items:
        label = _POST_LABEL.match(p.data["name"]) if p.kind == "post" else None
        given = _POST_LABEL.match(p.data.get("key", {}).get("description", "")) if p.kind == "post" else None
        if given and fold(given.group(0)) in labels and (label is None or fold(given.group(0)) != fold(label.group(0))):
            del p.data["key"]  # "Post A fördelas helt efter folkmängd." after a list of posts is post A's key only
        if p.kind != "post" or "key" in p.data or p.data["level"] == "skr":
            continue
        name = fold(p.data["name"])
        for k, u in enumerate(units):
            own = label and fold(u.text).startswith(fold(label.group(0)) + " ")
            heading = re.sub(r"^[\d.]+\s+", "", fold(u.section)).strip()
            headed = heading == name or (heading.startswith(name) and len(heading) - len(name) <= 3)
            if not (own or headed) or not _KEY_SENTENCE.search(u.text):
                continue
            prev = units[k - 1] if k and units[k - 1].section == u.section else None
            # "Varje län får först ett fast belopp om 4 miljoner kronor …" before "Resterande … fördelas …"
            both = _Unit(f"{prev.text} {u.text}", u.section, u.page) if headed and prev is not None and \
                re.search(r"^(?:resten|resterande)\b", fold(u.text)) else u
            key = _key(None, both, ctx.doc)
            if key:
                p.data["key"] = key
                break


def _list_key(ctx: _Ctx, units: list[_Unit]) -> None:
    """"Stimulansmedlen fördelas … utifrån en fördelningsnyckel, baserad på befolkningsunderlaget …" right after a
    list of posts (no amount of its own) is the key of every post of that list that has none."""
    for k, u in enumerate(units):
        posts = [p for p in ctx.items if p.kind == "post" and p.section == u.section and p.data["level"] != "skr"]
        if not posts or AMOUNT.search(u.text) or not _KEY_SENTENCE.search(u.text) or \
                not any(p.sentence in (units[k - 1].text if k else "") or units[k - 1].text in p.sentence
                        for p in ctx.items if p.kind == "post" and p.section == u.section):
            continue
        key = _key(None, u, ctx.doc)
        if key and key.get("kind") == "population":
            for p in posts:
                p.data.setdefault("key", key)


_ROW = re.compile(rf"^(?P<name>[A-ZÅÄÖ][\wåäöÅÄÖé\- ]{{1,40}}?)\s+(?P<amts>(?:(?:{_NUM})\s?kr\.?\s*){{1,6}})$")


def _distinctive_synonyms(ctx: _Ctx) -> None:
    """A post is understood from the document's own words: the words of its name and key sentence
    whose stem no other post's sentence uses and that few passages of the document use become its
    synonyms (so "traumavården" names the trauma-care post, "överenskommelsen" names none)."""
    from engine.library.passages import _stem, passages_of, tokenize

    posts = [i for i in ctx.items if i.kind == "post"]
    if not posts:
        return
    df: dict[str, int] = {}
    chunks = passages_of(ctx.doc)
    for p in chunks:
        for t in set(tokenize(p.text)):
            df[t] = df.get(t, 0) + 1
    rare = max(2, len(chunks) // 25)
    generic = {fold(g) for g in _GENERIC_WORDS}
    # the title's words name the whole document and a level's words ("kommunernas") a level, not one post
    in_title = set(tokenize(ctx.doc.title)) | {"kommun", "region", "landsting", "lan", "skr", "skl", "regional", "kommunal"}

    def stems_of(item: DraftItem) -> dict[str, str]:
        words = [w.lower() for w in re.findall(r"[A-Za-zÅÄÖåäöé]{7,}", f"{item.data['name']} {item.sentence}")
                 if fold(w) not in generic]
        return {fold(st): w for st, w in zip(_stem(words), words, strict=True)}

    bags = [stems_of(p) for p in posts]
    doc_words = set(re.findall(r"[a-zåäöé]+", ctx.doc.text.lower()))
    for post, bag in zip(posts, bags, strict=True):
        # a word two posts share still names each when they go to different levels ("handlingsplaner" for the
        # regions' and the municipalities' posts): the level asked tells them apart
        others = set().union(*(set(b) for p, b in zip(posts, bags, strict=True)
                               if b is not bag and p.data["level"] == post.data["level"]))
        in_name = fold(post.data["name"])
        keep = [(st, w) for st, w in bag.items() if st not in others and st not in in_title and len(st) >= 6
                and _level(w) == "kommun_och_region"  # "länsgemensamma" names a level, not a post
                and (df.get(st, 0) <= rare or fold(w) in in_name)]  # a word of the name, or a rare one
        words = [w for _, w in keep] + [st for st, _ in keep]
        # a known name that another post's own sentence also uses ("barn och unga" for the queue post and the
        # early-interventions post) does not tell this one apart — unless that post goes to another level, which
        # the level asked tells apart (as for the distinctive words above)
        elsewhere = " ".join(fold(f"{o.data['name']} {o.sentence}") for o in posts
                             if o is not post and o.data["level"] == post.data["level"])
        known = [n for n in _known_names(ctx, words, post.data["level"])
                 if not re.search(rf"(?<![a-z]){re.escape(fold(n))}(?![a-z])", elsewhere)]
        headings = [h for h in post.data.get("synonyms", []) if h in ctx.column_names]  # a table's name for it
        # a pair the name joins with "och" ("barn och unga") that no other post of the level uses names it
        pairs = [m.group(0) for m in _PAIR.finditer(post.data["name"])
                 if fold(m.group(1)) not in generic and fold(m.group(2)) not in generic
                 and not re.search(rf"(?<![a-z]){re.escape(fold(m.group(0)))}(?![a-z])", elsewhere)]
        labels = [" ".join(m.group(0).split()) for m in [_POST_LABEL.match(post.data["name"])] if m]  # "Post B"
        labels += _suspended_compounds(post.data["name"], doc_words)  # "brukarmedverkan" in "Brukar- och anhörigmedverkan"
        post.data["synonyms"] = list(dict.fromkeys([post.data["name"], *labels, *headings, *words, *known,
                                                    *pairs]))[:24]


def _suspended_compounds(name: str, words: set[str]) -> list[str]:
    """The first part of a suspended compound, completed: "Brukar- och anhörigmedverkan" names "brukarmedverkan"
    too. The shared tail is the longest end of the second word (five letters or more) that the document also
    uses as a word of its own ("medverkan"), so no split is guessed."""
    out = []
    for m in re.finditer(r"\b([A-Za-zÅÄÖåäö]{3,})-\s+(?:och|eller)\s+([a-zåäö]{6,})\b", name):
        first, second = m.group(1).lower(), m.group(2)
        tail = next((second[k:] for k in range(2, len(second) - 4) if second[k:] in words), None)
        if tail:
            out.append(first + tail)
    return out


_PAIR = re.compile(r"(?<![\wåäöÅÄÖ-])([a-zåäö]{3,}) och ([a-zåäö]{3,})(?![\wåäöÅÄÖ-])")


_GENERIC_FOLDED = {fold(g) for g in _GENERIC_WORDS} | {"stimulansmedel", "utvecklingsarbete", "utvecklingsinsatser"}


def _known_names(ctx: _Ctx, words: list[str], level: str) -> list[str]:
    """The names people already use for the same kind of post in the knowledge base: when a distinctive word
    of the drafted post is one of a known post's own one-word names ("suicidpreventiva" – "suicidprevention",
    "ungdomsmottagningarna" – "ungdomsmottagningar"), that post's short name and synonyms ("UM",
    "suicidprev", "youth clinics") name this one too."""
    mine = [fold(w) for w in words if len(w) >= 8]
    out: list[str] = []
    for p in getattr(ctx.kb, "posts", {}).values():
        if p.source.doc == ctx.doc.id or (p.level.value == "skr") != (level == "skr"):
            continue  # SKR's own money and the money for the regions and municipalities are different posts
        names = [w for n in (p.short, *p.synonyms) for w in re.findall(r"[a-z]{8,}", fold(n))
                 if w not in _GENERIC_FOLDED]
        if any(_one_word(a, b) for a in mine for b in names):
            out += [p.short, *p.synonyms]
    return list(dict.fromkeys(out))[:12]


def _one_word(a: str, b: str) -> bool:
    """Forms of one word ("ungdomsmottagning" – "ungdomsmottagningarna", "suicidpreventiv" – "suicidprevention"),
    not a compound's first part ("utveckling" – "utvecklingsinsatser", "kunskapsbas" – "kunskapsspridning")."""
    short, long_ = sorted((a, b), key=len)
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(short))
    return n >= 8 and n >= len(short) - 2 and len(long_) - n <= 5


_TOTAL_HEADER = re.compile(r"\b(avrundat belopp|avrundat|summa|totalt|total|sammanlagt)\b", re.I)


def _header_text(lines: list[str]) -> str:
    """Header lines as one text, a word hyphenated over a line break joined again ("Ungdoms-" + "mottagningar")."""
    out = ""
    for ln in lines:
        out = out[:-1] + ln if re.search(r"[a-zåäö]-$", out) and ln[:1].islower() else f"{out} {ln}".strip()
    return out


def _total_heading(lines: list[str]) -> int | None:
    """Where the total column's heading starts among the header lines (its last one or two lines)."""
    for j in range(len(lines) - 1, max(len(lines) - 3, 0) - 1, -1):
        tail = " ".join(lines[j:])
        if _TOTAL_HEADER.search(tail) and len(tail.split()) <= 3:
            return j
    return None


def _column_names(header_lines: list[str], k: int) -> list[str] | None:
    """The names of a table's k amount columns from the lines above its first row, the last column being the
    total ("Utvecklingsinsatser / utifrån / handlingsplaner / Kunskapsbas. / HoS/Soc.tjänst / Avrundat belopp"
    → two names + total; "Stärka samverkan / samsjuklighet / Brukarmedverkan Suicidprevention Ungdoms- /
    mottagningar / Avrundat / belopp" → four names + total). None when the header cannot be split so."""
    lines = [ln for ln in header_lines if ln and not AMOUNT.search(ln) and not ln.endswith(":")]
    cut = _total_heading(lines)
    if not cut:
        return _inline_names(lines, k)
    groups: list[list[str]] = []
    for ln in lines[:cut]:  # a line starting in lower case (or after a hyphen) continues the name above it
        if (ln[0].isupper() and not (groups and groups[-1][-1].endswith("-"))) or not groups:
            groups.append([ln])
        else:
            groups[-1].append(ln)
    names = [_header_text(g) for g in groups]
    if len(names) < k - 1:  # several names on one extracted line: split where a capitalised word starts
        split: list[str] = []
        for name in names:
            parts = re.split(r"\s+(?=[A-ZÅÄÖ])", name)
            split += parts if len(parts) > 1 else [name]
        names = split if len(split) == k - 1 else names
    while len(names) > k - 1 and len(names) >= 2:  # "Kunskapsbas." + "HoS/Soc.tjänst": one column
        last = names.pop()
        names[-1] = f"{names[-1]} {last}"
    if len(names) != k - 1:
        return None
    return names


_INLINE_TOTAL = re.compile(r"^(?P<names>.+?)\s+(?:totalt|summa|total|sammanlagt|avrundat belopp)(?:,\s*\w+)?$", re.I)
_ROW_HEADING = {"kommun", "kommuner", "region", "regioner", "lan", "mottagare", "namn", "kommunnamn", "lansnamn"}


def _inline_names(lines: list[str], k: int) -> list[str] | None:
    """A header whose column names share one extracted line, the total's heading last ("Kommun Handlingsplaner
    Kunskapsstöd Suicidprevention Totalt" over "och mobila team socialtjänst"): one capitalised word per
    column, the row names' heading dropped (the words of a continuation line cannot be placed, so are not)."""
    for ln in lines:
        m = _INLINE_TOTAL.match(ln)
        if not m:
            continue
        names = re.split(r"\s+(?=[A-ZÅÄÖ])", m.group("names").strip())
        if len(names) == k and fold(names[0]).strip(" ,") in _ROW_HEADING:
            names = names[1:]
        return names if len(names) == k - 1 else None
    return None


_KEY_SENTENCE = re.compile(r"\b(?:fördela[st]?|fördelningsnyckel)\b[^.]{0,80}(befolkning|invånar|innevånar|folkmängd|per län|"
                           r"per landsting|per region\b|per kommun\b|0[–-]25|åldern)", re.I)


def _key(after: _Unit | None, unit: _Unit, doc: LibraryDocument) -> dict[str, Any] | None:
    """"Medlen fördelas efter befolkningsmängd." (the sentence after a post, or the post's own) as a key."""
    for u in (after, unit):
        if u is None or not _KEY_SENTENCE.search(u.text) or (u is after and AMOUNT.match(u.text.lstrip("•- "))):
            continue
        text = u.text
        f = re.sub(r"\bper (?:landsting|region)\b|\bvarje lan\b", "per lan", fold(text))  # "1 000 000 kronor per landsting"
        key: dict[str, Any] = {"description": text, "source": _src(doc, u.section, u.page, text)}
        amounts = [a for a in (_amount(m) for m in AMOUNT.finditer(text)) if a is not None]
        if re.search(r"0[–-]25|0 till 25", text):
            key["kind"] = "population_0_25"
        elif "per lan" in f and "storstad" in f and len(amounts) >= 2:
            key.update(kind="fixed_per_county", per_county=str(amounts[0]), metro_per_county=str(amounts[1]))
        elif "per lan" in f and re.search(r"\bresten\b|\bresterande\b", f) and amounts:
            key.update(kind="fixed_plus_population", per_county=str(amounts[0]))
        elif "per lan" in f and amounts:
            key.update(kind="fixed_per_county", per_county=str(amounts[0]))
        elif "befolkning" in f or "invanar" in f or "folkmangd" in f:
            key["kind"] = "population"  # (a base amount per municipality and the rest by population: its words say so)
        else:
            continue
        if re.search(r"befolkning|invanar|folkmangd", f) and (dates := find_dates(text)):
            key["population_date"] = dates[0][0].isoformat()  # "baserad på befolkningsunderlaget den 1 november 2018"
        return key
    return None


#: "Folkmängden avser förhållandena den 1 november 2026", "Folkmängd den 1 november 2026 enligt SCB": the date a
#: document's population figures are of
_POPULATION_DATE = re.compile(r"\b(?:folkmängd|befolkning|invånarantal|antal invånare)\w*\b[^.;]{0,50}?\b(?:den|per)\s+"
                              r"(?=\d{1,2}\s+[a-zåäö]+\s+\d{4}|\d{4}-\d{2}-\d{2})", re.I)
_BY_POPULATION = {"population", "fixed_plus_population", "population_0_25"}


def _population_date(ctx: _Ctx, units: list[_Unit]) -> None:
    """A document that states once what date its population figures are of ("Folkmängden avser förhållandena
    den 1 november 2026"): the date of every key of its own by population that does not state one. Two
    different such dates in one document: none is given (which key has which is not said)."""
    dates: dict[dt.date, str] = {}
    for u in units:
        for m in _POPULATION_DATE.finditer(u.text):
            found = find_dates(u.text[m.end():m.end() + 20])
            if found and found[0][1] == 0:
                end = u.text.find(".", m.end())  # from the population's word to the end of its sentence
                dates.setdefault(found[0][0], u.text[m.start():end + 1 if end > 0 else None].strip())
    if len(dates) != 1:
        return
    (date, sentence), = dates.items()
    for item in ctx.items:
        key = item.data.get("key") if item.kind == "post" else None
        if isinstance(key, dict) and key.get("kind") in _BY_POPULATION and not key.get("population_date"):
            key["population_date"] = date.isoformat()
            # the sentence that states the date, quoted with the key's own
            key["description"] = f"{key['description']} {sentence}"
            if isinstance(key.get("source"), dict) and key["source"].get("quote"):
                key["source"]["quote"] = f"{key['source']['quote']} […] {sentence}"


_AMOUNTS_ROW = re.compile(rf"^(?:(?:{_NUM})\s?kr\.?\s*){{2,8}}$")


@dataclass
class _Table:
    caption: str = ""  # "Länsgemensamma medel:" above the header
    header: list[str] = field(default_factory=list)
    rows: list[tuple[str, Any, list[Decimal]]] = field(default_factory=list)  # (line, recipient or None, amounts)
    bare: list[tuple[str, Any, list[str]]] = field(default_factory=list)  # rows of unit-less numbers (a tkr table)
    names: list[str] = field(default_factory=list)  # the amount columns' headings, read with the bare rows


#: "Region Stockholm 2 454 821 23,29 95 478 41 917 137 395": a recipient's row of numbers without units
_BARE_ROW = re.compile(r"^(?P<name>[A-ZÅÄÖ][A-Za-zÅÄÖåäöé\- ]{1,40}?)\s+(?P<nums>\d[\d ,]*\d)$")
_UNIT_COLUMN = re.compile(r"^(?P<name>.+?),?\s*\(?(?P<unit>tkr|mnkr|mkr|kr)\)?$", re.I)
_FACTOR = {"kr": Decimal(1), "tkr": Decimal(1000), "mkr": Decimal(10**6), "mnkr": Decimal(10**6)}


def _cuts(groups: list[str], n: int) -> list[list[str]]:
    """Every way to read space-separated digit groups as n numbers ("95 478 41 917" → 95 478 | 41 917, or
    95 478 | 41 | 917 …): a number is a group of up to three digits followed by groups of exactly three."""
    out: list[list[str]] = []

    def walk(i: int, acc: list[str]) -> None:
        if len(acc) > n or len(out) > 50:
            return
        if i == len(groups):
            if len(acc) == n:
                out.append(acc)
            return
        first = groups[i]
        if not re.fullmatch(r"\d+(?:,\d+)?", first):
            return
        walk(i + 1, acc + [first])
        if "," in first or len(first) > 3:
            return
        num, j = first, i + 1
        while j < len(groups) and re.fullmatch(r"\d{3}(?:,\d+)?", groups[j]):
            num, j = f"{num} {groups[j]}", j + 1
            walk(j, acc + [num])
            if "," in groups[j - 1]:
                break

    walk(0, [])
    return out


def _read_bare(tab: _Table) -> None:
    """A table of unit-less numbers: one figure per row in the caption's unit, or several read by the header."""
    if tab.bare and all(len(_cuts(groups, 1)) == 1 for _, _, groups in tab.bare):
        _read_single(tab)
        if tab.rows:
            return
    _read_multi(tab)


def _read_multi(tab: _Table) -> None:
    """A table of unit-less numbers whose header names each column's unit ("Region Invånare Andel, % BUP, tkr
    Samsjuklighet, tkr Summa, tkr"): each row read the one way its amount columns add up (the parts to the
    last, the total); a row read in no or several ways is left out."""
    cells = re.split(r"\s+(?=[A-ZÅÄÖ])", (tab.header[-1] if tab.header else "").strip())
    if cells and fold(cells[0]).strip(" ,") in _ROW_HEADING:
        cells = cells[1:]
    units = [_UNIT_COLUMN.match(c) for c in cells]
    money = [i for i, u in enumerate(units) if u]
    if len(money) < 3 or money[-1] != len(cells) - 1:
        return
    for line, rec, groups in tab.bare:
        readings = set()
        for cut in _cuts(groups, len(cells)):
            vals = [Decimal(cut[i].replace(" ", "").replace(",", ".")) * _FACTOR[units[i].group("unit").lower()]
                    for i in money]
            if sum(vals[:-1], Decimal(0)) == vals[-1]:
                readings.add(tuple(vals))
        if len(readings) == 1:
            tab.rows.append((line, rec, list(readings.pop())))
    if tab.rows:
        tab.names = [cells[i] for i in money]


#: "2505 Arvidsjaur …", "Arvidsjaur (2505) …": a municipality or county code beside the name
_CODE = re.compile(r"^\d{2,6}\s+(?=[A-ZÅÄÖ])|(?<=[a-zåäöé])\s+\(\d{2,6}\)(?=\s)")
#: "6 219 inv.", "250 099 invånare": a column of counts, not of money
_COUNT_CELL = re.compile(rf"(?<=\s)(?:{_NUM})\s?(?:inv\.?|invånare|st\.?|personer)(?=\s)", re.I)


def _row_text(line: str) -> str:
    """A table row as its name and money columns: the recipient's code and the count columns left out
    ("2505 Arvidsjaur 6 219 inv. 104 438 kr" → "Arvidsjaur 104 438 kr")."""
    return " ".join(_COUNT_CELL.sub(" ", _CODE.sub(" ", line)).split())


def _tables_of(text: str, index: Any) -> list[_Table]:
    """The tables of a section: a caption line ending in ":", header lines, then rows "Name 1 kr 2 kr 3 kr" whose
    name is exactly a known recipient, or one row of amounts with no name (a county's own row)."""
    out: list[_Table] = []
    cur = _Table()
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        m = _ROW.match(_row_text(line))
        rec = None
        if m:
            name = m.group("name").strip()
            rec = index.resolve(name)
            if rec is not None and fold(name) not in (fold(rec.short), fold(rec.name)):
                rec = None
        amts = [a for a in (_amount(x) for x in AMOUNT.finditer(m.group("amts"))) if a is not None] if m else []
        if rec is not None and amts:
            cur.rows.append((line, rec, amts))
            continue
        b = _BARE_ROW.match(line) if not AMOUNT.search(line) else None
        if b and not cur.rows:
            name = b.group("name").strip()
            brec = index.resolve(name) if index.resolve_exact(name) else None
            if brec is not None:
                cur.bare.append((line, brec, b.group("nums").split()))
                continue
        if cur.bare and not cur.rows:  # a text line after unit-less rows ends that table
            _read_bare(cur)
            if cur.rows:
                out.append(cur)
            cur = _Table()
        if _AMOUNTS_ROW.match(line) and not cur.rows:
            cur.rows.append((line, None, [a for a in (_amount(x) for x in AMOUNT.finditer(line)) if a is not None]))
            continue
        if cur.rows:  # a text line after the rows ends the table
            out.append(cur)
            cur = _Table()
        if line.endswith(":") and len(line) <= 80:
            cur = _Table(caption=line)
        elif AMOUNT.search(line):
            cur.header = []  # a sentence with an amount is not a column heading
        else:
            cur.header.append(line)
    if cur.bare and not cur.rows:
        _read_bare(cur)
    if cur.rows:
        out.append(cur)
    return out


def _read_single(tab: _Table) -> None:
    """Rows of one unit-less figure each ("Gotlands län 2,25") under a caption that names the unit ("Fasta belopp
    per län 2027, länsgemensamma strukturer (mnkr)"): one amount per row, in that unit."""
    um = _TABLE_UNIT.search(" ".join(tab.header[-1:] + [tab.caption]))
    if um is None or not tab.bare or any(len(_cuts(groups, 1)) != 1 for _, _, groups in tab.bare):
        return
    for line, rec, groups in tab.bare:
        amt = parse_amount(f"{_cuts(groups, 1)[0][0]} {um.group(1).lower()}")
        if amt is None:
            tab.rows.clear()
            return
        tab.rows.append((f"{line} {um.group(1)}", rec, [amt]))


def _doc_county(ctx: _Ctx, index: Any, tables: list[_Table]) -> Any:
    """The county a document is about: the one county of all its named table rows, else its publisher's."""
    counties = {r.county_code for t in tables for _, r, _ in t.rows if r is not None and r.county_code}
    code = next(iter(counties)) if len(counties) == 1 else None
    if code is None and ctx.doc.publisher:
        pub = index.resolve(ctx.doc.publisher)
        if pub is not None and pub.kind.value in ("region", "lan", "aktor", "grupp") and pub.county_code:
            code = pub.county_code
    return ctx.kb.recipients.get(f"lan-{code}") if code else None


def _listed_post(column: str, values: list[Decimal], listed: list[DraftItem]) -> DraftItem | None:
    """The post the document lists whose amount is exactly the column's sum and whose name holds the
    column's first word ("Handlingsplaner" → "Lokala handlingsplaner och mobila team: 4 212 600,00 kronor")."""
    total = sum(values, Decimal(0))
    word = fold(column.split()[0]).strip(".,:")
    hits = [p for p in listed if abs(Decimal(p.data["amount"]) - total) <= 1 and len(word) >= 4
            and re.search(rf"\b{re.escape(word)}", fold(p.data["name"]))]
    if not hits:  # an abbreviated heading ("BUP"): the one listed post whose amount the column sums to
        hits = [p for p in listed if abs(Decimal(p.data["amount"]) - total) <= 1]
    return hits[0] if len(hits) == 1 else None


_TOTAL_WORDS = re.compile(r"\b(totalt?|summa|sammanlagt|samtliga poster)\b")


def _one_post_table(ctx: _Ctx, rows: list, context: str) -> DraftItem | None:
    """The post a one-column table is the rows of: a post the document lists whose amount the column sums to
    exactly, and whose name shares a distinctive word with the table's heading ("4.1 Post A – Suicidpreventivt
    arbete" over the rows of "Post A Suicidpreventivt arbete i kommunerna: 4 200 000 kr"). A heading that says
    "totalt" is a table of totals, whatever its sum."""
    ctx_words = set(re.findall(r"\w{4,}", fold(context)))
    if _TOTAL_WORDS.search(fold(context)):
        return None
    total = sum((a[0] for _, _, a in rows), Decimal(0))
    generic = {fold(w) for w in _GENERIC_WORDS} | {"post", "poster", "posten", "belopp"}
    hits = [p for p in ctx.items if p.kind == "post" and p.data.get("amount")
            and abs(Decimal(p.data["amount"]) - total) <= 1
            and {w for w in re.findall(r"\w{4,}", fold(p.data["name"])) if w not in generic} & ctx_words]
    return hits[0] if len(hits) == 1 else None


def _draft_tables(ctx: _Ctx, units: list[_Unit]) -> None:
    """Per-recipient tables. A row's last column is the recipient's total; when every row's last column is
    the sum of the others, each other column is a post of this document named from its header, with one
    allocation per recipient and column, all in one table. An unnamed row of amounts under a county-shared
    caption ("Länsgemensamma medel:") is the county's own row. Every item keeps the verbatim row, with the
    caption and column heading it is read under, as its source text."""
    from engine.recipients import RecipientIndex

    doc = ctx.doc
    index = RecipientIndex(ctx.kb.recipients)
    found = [(sec, t) for sec in doc.sections for t in _tables_of(sec.text, index)]
    county = _doc_county(ctx, index, [t for _, t in found])
    n_table = 0
    for sec, tab in found:
        rows = tab.rows
        context = f"{tab.caption} {' '.join(tab.header)}"
        if any(r is None for _, r, _ in rows):
            # a county's own row: exactly one unnamed row, under a county-shared caption, in a county's document
            if len(rows) != 1 or county is None or _level(f"{context} {sec.heading}") != "lan":
                continue
            rows = [(rows[0][0], county, rows[0][2])]
        n_table += 1
        table = f"{doc.id}-tabell-{n_table}"
        year = ctx.years[0]
        k = max(set(len(a) for _, _, a in rows), key=[len(a) for _, _, a in rows].count)
        post = _one_post_table(ctx, rows, f"{context} {sec.heading}") if k == 1 else None
        if post is not None:  # "4.1 Post A – …" over one column of amounts: that post's rows, not totals
            head = " ".join(x for x in (tab.caption, tab.header[-1] if tab.header else "") if x) or sec.heading
            for line, rec, amts in rows:
                quote = f"{head}: {line}"
                ctx.add("allocation", f"{rec.name} {year}, {post.data['short']}: {format_kr(amts[0])}",
                        {"id": f"{post.data['id']}-{rec.id}", "table": table, "agreement": ctx.agreement_id,
                         "year": year, "recipient": rec.id, "post": post.data["id"], "amount": str(amts[0]),
                         "source": _src(doc, sec.heading, sec.page, quote)},
                        _Unit(quote, sec.heading, sec.page), 0.75)
            continue
        summed = sum(1 for _, _, a in rows if len(a) == k and k > 1 and abs(sum(a[:-1], Decimal(0)) - a[-1]) <= 1)
        header = tab.header or [sec.heading]  # a header line read as the section's heading
        columns = _column_names(header, k) if k >= 3 and summed >= len(rows) * 0.8 else None
        if tab.names and k >= 3:  # a unit-less table: its amount columns' headings, units dropped
            columns = [_UNIT_COLUMN.match(n).group("name").strip(" ,") for n in tab.names[:-1]]
        post_ids: list[str] = []
        headings: list[str] = []
        if columns:  # each component column is a post of this document (its national amount unstated)
            level = _level(f"{context} {sec.heading}") if _level(context) != "kommun_och_region" \
                else ("kommun" if all(r.kind.value == "kommun" for _, r, _ in rows) else "kommun_och_region")
            listed = [i for i in ctx.items if i.kind == "post" and i.data.get("amount")]
            headings = list(tab.names[:-1]) if tab.names else list(columns)
            for c, col in enumerate(list(columns), start=1):
                same = _listed_post(col, [a[c - 1] for _, _, a in rows if len(a) == k], listed)
                if same is not None:  # the column of a post the document lists: its rows are that post's
                    post_ids.append(same.data["id"])
                    if fold(col) not in (fold(x) for x in same.data.get("synonyms", [])):
                        same.data.setdefault("synonyms", []).append(col)  # the table's name for it ("BUP")
                        ctx.column_names.add(col)
                    columns[c - 1] = same.data["name"]
                    continue
                pid = f"{table}-kolumn-{c}"
                post_ids.append(pid)
                unit = _Unit(col, sec.heading, sec.page)  # the column's own header text
                ctx.add("post", f"{col} {year} (tabellkolumn, nivå: {level})",
                        {"id": pid, "agreement": ctx.agreement_id, "year": year, "name": col, "short": col[:60],
                         "synonyms": [col], "level": level, "source": _src(doc, sec.heading, sec.page)}, unit, 0.6)
        heads = [ln for ln in header if ln and not AMOUNT.search(ln) and not ln.endswith(":")]
        cut = _total_heading(heads) if columns else None
        total_head = " ".join(heads[cut:]) if cut is not None else (tab.names[-1] if tab.names else "")
        for line, rec, amts in rows:
            total, rounded, conf = amts[-1], False, 0.7
            if len(amts) > 1:
                parts = sum(amts[:-1], Decimal(0))
                if abs(parts - total) <= 1:
                    rounded, conf = total == total.to_integral_value() and parts != total, 0.85
                else:
                    conf = 0.4  # the last column is not the sum of the others: a total is a guess
            quote = " ".join(x for x in (tab.caption, f"{total_head}:" if total_head else "", line) if x)
            data = {"id": f"{table}-{rec.id}", "table": table, "agreement": ctx.agreement_id, "year": year,
                    "recipient": rec.id, "amount": str(total), "rounded": rounded,
                    "source": _src(doc, sec.heading, sec.page, quote)}
            if len(amts) > 1 and not (post_ids and len(amts) == k):  # (else each column is its own row)
                data["note"] = "Tabellens kolumner: " + "; ".join(format_kr(a) for a in amts)
            ctx.add("allocation", f"{rec.name} {year}: {format_kr(total)}", data,
                    _Unit(quote, sec.heading, sec.page), conf)
            if post_ids and len(amts) == k:
                for pid, col, head, amt in zip(post_ids, columns or [], headings, amts[:-1], strict=False):
                    quote = " ".join(x for x in (tab.caption, f"{head}:", line) if x)
                    ctx.add("allocation", f"{rec.name} {year}, {col}: {format_kr(amt)}",
                            {"id": f"{pid}-{rec.id}", "table": table, "agreement": ctx.agreement_id,
                             "year": year, "recipient": rec.id, "post": pid, "amount": str(amt),
                             "source": _src(doc, sec.heading, sec.page, quote)},
                            _Unit(quote, sec.heading, sec.page), 0.75)


_TO_RECIPIENT = re.compile(rf"(?<![\d,])(?P<amt>(?:{_NUM})\s?(?:{_UNIT}))(?![a-zåäöA-ZÅÄÖ])\s+"
                           r"(?:(?:som|fördelas|går|betalas|utbetalas|tilldelas|ut)\s+){0,3}t\s?ill\s+"
                           r"(?P<who>[A-Za-zÅÄÖåäöé\-]+(?:\s+[A-Za-zÅÄÖåäöé\-]+){0,2})")  # words only
#: "till kommunerna / regionen / länet" in a county's document: that county's group, region or county
_COUNTY_WORDS = {"kommunerna": "kommunerna-{}", "länets kommuner": "kommunerna-{}", "regionen": "region-{}",
                 "länet": "lan-{}"}
_COUNTY_SHARED = re.compile(r"\blänsgemensam", re.I)
#: words that make an amount the whole country's, not the county's ("fördelas mellan länen", "i hela landet")
_NATIONAL = re.compile(r"\b(riket|hela landet|i landet|nationell\w*|samtliga län|alla län|per län|varje län|länen|"
                       r"regionerna|staten|hela sverige)\b", re.I)
_LIST_ITEM_START = re.compile(r"^(?:\d{1,2}\.|•|-|–)\s+\S")


#: "Samtliga fjorton kommuner tilldelas samma belopp, 30 000 kr per kommun": one amount for every municipality
_EQUAL_SHARE = re.compile(rf"\b(?:samma|lika)\s+belopp\b[^.]{{0,60}}?(?P<amt>(?:{_NUM})\s?(?:{_UNIT}))\s+"
                          r"(?:per|till varje|för varje)\s+kommun\b", re.I)


def _equal_shares(ctx: _Ctx, units: list[_Unit]) -> None:
    """A municipal post without a table whose section (headed by its name or label) gives every municipality the
    same amount: one allocation per municipality of the document's other tables — only when that amount times
    their number is exactly the post's amount ("420 000 kr … samma belopp, 30 000 kr per kommun" for 14)."""
    rows = [i for i in ctx.items if i.kind == "allocation" and i.data.get("post")]
    towns = {i.data["recipient"]: i for i in rows if str(i.data["recipient"]).startswith("kommun-")}
    tabled = {i.data["post"] for i in rows}
    # the municipalities' published totals come after the post rows (a total read after a post's rows wins over
    # their sum): the equal shares are put before them, in a table of their own
    first_total = next((k for k, i in enumerate(ctx.items) if i.kind == "allocation" and not i.data.get("post")
                        and i.data["recipient"] in towns), len(ctx.items))
    later = ctx.items[first_total:]
    del ctx.items[first_total:]
    for p in [i for i in ctx.items if i.kind == "post" and i.data["level"] == "kommun" and i.data["id"] not in tabled]:
        label = _POST_LABEL.match(p.data["name"])
        for u in units:
            heading = re.sub(r"^[\d.]+\s+", "", fold(u.section))
            if not (label and heading.startswith(fold(label.group(0)) + " ")) and fold(p.data["name"]) not in heading:
                continue
            m = _EQUAL_SHARE.search(u.text)
            amt = _amount(next(AMOUNT.finditer(m.group("amt")))) if m else None
            if amt is None or not towns or amt * len(towns) != Decimal(p.data["amount"]):
                continue
            year = p.data["year"]
            for rec_id in towns:
                rec = ctx.kb.recipients.get(rec_id)
                name = rec.name if rec is not None else rec_id
                ctx.add("allocation", f"{name} {year}, {p.data['short']}: {format_kr(amt)}",
                        {"id": f"{p.data['id']}-{rec_id}", "table": f"{p.data['id']}-lika", "agreement": ctx.agreement_id,
                         "year": year, "recipient": rec_id, "post": p.data["id"], "amount": str(amt),
                         "source": _src(ctx.doc, u.section, u.page, u.text)}, u, 0.7)
            break
    ctx.items += later
    for n, item in enumerate(ctx.items, start=1):
        item.n = n


def _draft_county_allocations(ctx: _Ctx, units: list[_Unit]) -> None:
    """A county's own document (its tables, publisher or title name one county) says what the county and its
    members get in prose: the county-shared posts it lists ("De länsgemensamma stimulansmedlen fördelas enligt
    nedan fyra olika poster. … 2. Brukarmedverkan: 2 000 tkr") are the county's, and "fördelas 13 400 tkr till
    Region Stockholm", "10 570 973 kr som fördelas ut till kommunerna" name a recipient in that county (a
    sum the document splits by a key, "Kommunernas medel fördelas enligt befolkningsmängd", keeps the key).
    Nothing is drafted for a national document: its posts are the whole country's."""
    from engine.recipients import RecipientIndex

    doc = ctx.doc
    index = RecipientIndex(ctx.kb.recipients)
    county = _doc_county(ctx, index, [])
    if county is None:
        title_recs = [r for r in index.find(doc.title) if r.recipient.county_code
                      and r.recipient.kind.value in ("region", "lan", "aktor")] if hasattr(index, "find") else []
        codes = {m.recipient.county_code for m in title_recs}
        county = ctx.kb.recipients.get(f"lan-{codes.pop()}") if len(codes) == 1 else None
    if county is None:
        return
    code, year, table = county.county_code or county.code, ctx.years[0], f"{doc.id}-fordelning"
    seen: set[tuple[str, str | None, Decimal]] = set()

    def add(rec_id: str, post: str | None, amt: Decimal, quote: str, section: str, page: int | None,
            conf: float, key: dict | None = None, extra: dict | None = None) -> None:
        if (rec_id, post, amt) in seen or any(i.kind == "allocation" and i.data["recipient"] == rec_id and
                                              i.data.get("post") == post and Decimal(i.data["amount"]) == amt
                                              for i in ctx.items):
            return
        seen.add((rec_id, post, amt))
        rec = ctx.kb.recipients[rec_id]
        data = {"id": f"{table}-{len(seen)}-{rec_id}", "table": table, "agreement": ctx.agreement_id, "year": year,
                "recipient": rec_id, "amount": str(amt), "source": _src(doc, section, page, quote)}
        if post:
            data["post"] = post
        if key:  # the answer says how the sum is split further (in a note when it states no figure itself,
            data["split_key"] = key  # which a reader could take for the answer's)
            if not re.search(r"\d", key["description"]):
                data["note"] = key["description"]
        data.update(extra or {})
        name = next((i.data["short"] for i in ctx.items if i.kind == "post" and i.data["id"] == post), None)
        ctx.add("allocation", f"{rec.name} {year}{', ' + name if name else ''}: {format_kr(amt)}", data,
                _Unit(quote, section, page), conf)

    # the county-shared posts a county's document lists are the county's own amounts
    posts = [i for i in ctx.items if i.kind == "post" and i.data.get("amount")]
    for i, u in enumerate(units):
        for p in posts:
            if p.sentence != u.text and not u.text.startswith(p.sentence):
                continue
            first = i  # the list's lead-in: the two sentences before its first item
            while first > 0 and units[first - 1].section == u.section and _LIST_ITEM_START.match(units[first - 1].text):
                first -= 1
            before = [x.text for x in units[max(0, first - 2):first] if x.section == u.section]
            if any(_NATIONAL.search(t) for t in [p.sentence, *before]):
                continue
            lead = [t for t in before if _COUNTY_SHARED.search(t)]
            if lead and not re.search(r"\bkommun|\bregion", lead[-1], re.I):
                if p.data["level"] == "kommun_och_region":  # (the level words did not say): county-shared
                    p.data["level"] = "lan"
                    p.label = p.label.replace("nivå: kommun_och_region", "nivå: lan")
                add(county.id, p.data["id"], Decimal(p.data["amount"]), p.sentence, u.section, u.page, 0.6)
    # "X kr (som fördelas ut) till <recipient in the county>"
    for sec in doc.sections:
        text = " ".join(sec.text.split())
        for m in _TO_RECIPIENT.finditer(text):
            amt = _amount(next(AMOUNT.finditer(m.group("amt"))))
            words = m.group("who").split()
            rec_id = None
            for n in (3, 2, 1):
                cand = " ".join(words[:n])
                generic = _COUNTY_WORDS.get(re.sub(r"^(?:de|alla|samtliga)\s+(?:\w+\s+)?(?=kommunerna$)", "",
                                                   cand.lower()))
                if generic:
                    rec_id = generic.format(code)
                    break
                if n > 1 or cand[:1].isupper():
                    rec = index.resolve(cand) if index.resolve_exact(cand) else None
                    if rec is not None and rec.county_code == code and rec.kind.value in ("region", "lan", "kommun",
                                                                                           "grupp"):
                        rec_id = rec.id
                        break
            if amt is None or rec_id not in ctx.kb.recipients:
                continue
            start = max(text.rfind(". ", 0, m.start()) + 2, 0)
            end = text.find(". ", m.end())
            sentence = text[start:end + 1 if end >= 0 else len(text)]
            if _NATIONAL.search(sentence):
                continue  # "300 Mkr till kommunerna i hela landet": not this county's
            # "Av de 26 800 tkr till sammanhållen vård … fördelas 13 400 tkr till Region Stockholm": that post's
            post = next((p.data["id"] for p in posts for a in AMOUNT.finditer(sentence[:m.start() - start])
                         if _amount(a) == Decimal(p.data["amount"])), None)
            after = text[end + 2:] if end >= 0 else ""
            nxt = re.split(r"(?<=\.)\s", after, maxsplit=1)[0]
            km = _KEY_SENTENCE.search(nxt)
            if km:  # "Beloppet består av tre delar: - … - … Varje del fördelas efter …": from the key's own start
                caps = [c.start(1) for c in re.finditer(r"(?:^|\s)([A-ZÅÄÖ])", nxt[:km.start()])]
                nxt = nxt[caps[-1]:] if caps else nxt
            key = _key(_Unit(nxt, sec.heading, sec.page), _Unit(sentence, sec.heading, sec.page), doc) \
                if rec_id.startswith("kommunerna-") and post is None else None
            add(rec_id, post, amt, sentence, sec.heading, sec.page, 0.55, key)
            # "Det finns kvarvarande medel från 2019 … om totalt 4 141 043 kr. Därmed finns totalt 10 570 973 kr
            # som fördelas ut till kommunerna": the left-over part of that recipient's total, said to be left over
            prev = re.split(r"(?<=\.)\s", text[:start].rstrip())[-2:] if start > 0 else []
            if post is None and re.search(r"\btotalt\b", sentence):
                for p_sent in reversed(prev):
                    left = [a for a in (_amount(x) for x in AMOUNT.finditer(p_sent)) if a is not None]
                    if re.search(r"\bkvar", p_sent, re.I) and len(left) == 1 and 0 < left[0] < amt:
                        ctx_note = {"note": p_sent}
                        add(rec_id, None, left[0], p_sent, sec.heading, sec.page, 0.5, extra=ctx_note)
                        break


_GRANT = re.compile(rf"(?P<who>(?:[A-ZÅÄÖ][\wåäöé-]+)(?: [A-ZÅÄÖa-zåäö][\wåäöé-]+){{0,3}}?)\s+(?:[^.]{{0,80}}?\s)?"
                    rf"(?:beviljades|tilldelades|erhöll|fick)\s+(?P<amt>(?:{_NUM})\s?(?:{_UNIT}))"
                    rf"(?![a-zåäöA-ZÅÄÖ])")


def _draft_grants(ctx: _Ctx, units: list[_Unit]) -> None:
    """A known recipient's grant stated in prose: "Stockholm stad … beviljades 22 949 683 kr i statsbidrag för år
    2012" — the recipient named at the start of the sentence, the verb, the amount and a year of the document."""
    from engine.recipients import RecipientIndex

    index = RecipientIndex(ctx.kb.recipients)
    seen: set[tuple] = set()
    for u in units:
        m = _GRANT.search(u.text)
        if not m:
            continue
        words = m.group("who").split()
        rec = next((r for n in range(min(3, len(words)), 0, -1)
                    if (r := index.resolve(" ".join(words[:n]))) is not None), None)
        amt = _amount(next(AMOUNT.finditer(m.group("amt"))))
        years = [int(y) for y in _YEAR.findall(u.text) if int(y) in ctx.years]
        if rec is None or amt is None or not (years or len(ctx.years) == 1):
            continue
        year = years[0] if years else ctx.years[0]
        if (rec.id, year, amt) in seen:
            continue
        seen.add((rec.id, year, amt))
        data = {"id": f"{ctx.doc.id}-bidrag-{rec.id}-{year}", "table": f"{ctx.doc.id}-bidrag", "agreement": ctx.agreement_id,
                "year": year, "recipient": rec.id, "amount": str(amt), "source": _src(ctx.doc, u.section, u.page, u.text)}
        rest = u.text[m.end():].strip(" .,;")
        if len(rest.split()) >= 3 and not AMOUNT.search(rest):
            # "… i statsbidrag för år 2012, medlen betalades ut i efterskott": how the grant was given, in its words
            data["note"] = rest
        if any(i.data.get("id") == data["id"] for i in ctx.items):
            continue
        ctx.add("allocation", f"{rec.name} {year}: {format_kr(amt)} (i löptext)", data, u, 0.6)


def _draft_deadlines(ctx: _Ctx, units: list[_Unit]) -> None:
    seen: set[tuple] = set()
    for u in units:
        f = fold(u.text)
        # "2. Slutredovisning 31 mars 2021." – a short line that names a report or requisition and a date
        listed = len(u.text.split()) <= 8 and re.match(
            r"^(?:\d{1,2}\.\s*)?(?:slutredovis|slutrapport|redovisning|ekonomisk redovisning|rekvisition|faktur|aterbetal)",
            f)
        if "senast" not in f and not listed and \
                not re.search(r"\b(ska|skall)\b.*\b(inkommit|lamnas|skickas|vara inne)\b", f):
            continue
        dates = find_dates(u.text)
        pos = f.find("senast")
        after = [(d, p) for d, p in dates if p >= pos] if pos >= 0 else list(dates)
        if not after:
            continue
        # "… till de kommuner som har rekvirerat i tid senast den 29 oktober": a relative clause's verb is not
        # what is due (the sentence is about a payout)
        f_main = _RELATIVE.sub(" ", f)
        kind = _kind_of(f_main)
        if kind is None or (kind == "avsta" and not _DECLINE.search(f)):
            continue
        if len(after) == 1:  # "… behöver inte skicka någon rekvisition, men en kommun som inte vill ta del av medlen
            # ska meddela SKR detta senast den 31 mars 2027": the date's own clause says what is due
            clause = re.split(r",\s+(?:men|medan)\s+|;\s+", u.text[:after[0][1]])[-1]
            kind = _clause_kind(clause) or kind
        for n_date, (date, dpos) in enumerate(after[:3]):
            later, own = None, None
            if len(after) >= 2:
                # several dates: each is the deadline of its own clause ("Frågeunderlaget ska vara tillgängligt senast
                # den 30 september 2027 och redovisningen ska ha kommit in till SKR senast den 15 februari 2028")
                own = _clause_kind(u.text[after[n_date - 1][1] if n_date else 0:dpos]) or \
                    _clause_kind(re.split(r"\s+och\s+|;", u.text[dpos:], maxsplit=1)[0])
                if own is None and n_date == 0:
                    continue  # the first clause is of no kind: not a deadline to act on
            if n_date and own is None:  # "… till SKL senast den 31 januari 2020 och till den eller de myndigheter … den 15 februari 2020"
                later = re.search(r"\boch till (?P<to>[^.;]{3,140}?)\s+(?:senast\s+)?den\s*$",
                                  u.text[after[n_date - 1][1]:dpos])
                if later is None:
                    break
            k = own or kind
            if (k, date) in seen:
                # "Om rekvisitionen inte har kommit in … senast den 30 september 2027 förfaller kommunens rätt till
                # medlen": the same deadline restated with what happens when it is missed
                same = next((i for i in ctx.items if i.kind == "deadline" and i.data["kind"] == k
                             and i.data["date"] == date.isoformat()), None)
                if same is not None and "consequence" not in same.data and _CONSEQUENCE.search(u.text[dpos:]):
                    k_u = units.index(u)
                    nxt = units[k_u + 1] if k_u + 1 < len(units) and units[k_u + 1].section == u.section else None
                    # "… förfaller kommunens rätt till medlen. Beloppet fördelas då om …": "då" goes on with it
                    same.data["consequence"] = f"{u.text} {nxt.text}" if nxt and re.search(r"\bdå\b", nxt.text) \
                        else u.text
                continue
            seen.add((k, date))
            _add_deadline(ctx, units, u, f, k, date, listed, later.group("to") if later else None)


#: a subject and a present-tense verb of acting on a deadline: "SKR rekvirerar …", "2. Kommunen skickar …"
_PRESENT_ACT = re.compile(r"^(?:\d{1,2}\.\s+)?(?P<who>[A-ZÅÄÖ][\wåäö]*(?:\s+(?:och\s+)?[\wåäö]+){0,4}?)\s+"
                          r"(?:rekvirerar|redovisar|återbetalar|fakturerar|meddelar|lämnar|skickar|betalar|anmäler)\b")


_RELATIVE = re.compile(r"\bsom (?:inte )?(?:har|hade) (?:inte )?\w+")


#: "redovisar till SKR att grundkraven är uppfyllda": a report that the basic requirements are met, not on the use
_GRUNDKRAV = re.compile(r"\b(?:redovis|rapporter|intyg|visa)\w*\b[^.;]{0,40}\bgrundkrav")


def _kind_of(f: str) -> str | None:
    """The kind of deadline a folded sentence names: the first kind of `_KIND_STEMS` whose stem it holds."""
    if _GRUNDKRAV.search(f):
        return "grundkrav"
    kind = next((k for k, stems in _KIND_STEMS if any(s in f for s in stems)), None)
    if kind is None and _PAYOUT_SPLIT.search(f):
        return "utbetalning"  # "SKR betalar därefter ut medlen …"
    return kind


def _clause_kind(text: str) -> str | None:
    """The kind of deadline a clause's own verb names (rekvirera, redovisa …), or None."""
    f = _RELATIVE.sub(" ", fold(text))
    kind = _kind_of(f)
    if kind is None and _DECLINE.search(f):
        return "avsta"
    return None if kind == "avsta" and not _DECLINE.search(f) else kind


#: declining the money: "avstå", "inte vill ta del av medlen", "inte önskar ta del"
_DECLINE = re.compile(r"avsta|\binte (?:vill|onskar) ta del\b|avboj")


def _add_deadline(ctx: _Ctx, units: list[_Unit], u: _Unit, f: str, kind: str, date: dt.date, listed: Any,
                  later_to: str | None) -> None:
    doc = ctx.doc
    subj = re.split(r"\s+(?:ska|skall|måste|behöver)\s+", u.text, maxsplit=1)
    who = subj[0].strip() if len(subj) == 2 and 1 <= len(subj[0].split()) <= 6 else ""
    if not who:  # "SKR rekvirerar kommunernas medel …", "6. Kommunen redovisar …": the subject before the verb
        mv = _PRESENT_ACT.match(u.text)
        who = mv.group("who") if mv else ""
    if listed and not who and u.prev:  # the list's previous item says who: "Kommunerna och regionen ska redovisa …"
        subj = re.split(r"\s+(?:ska|skall)\s+", re.sub(r"^\d{1,2}\.\s*", "", u.prev), maxsplit=1)
        who = subj[0].strip() if len(subj) == 2 and 1 <= len(subj[0].split()) <= 6 else ""
    if (not who or not _ACTOR.search(who)) and kind in ("utbetalning", "anmalan") and u.prev and \
            any(st in fold(u.prev) for st in dict(_KIND_STEMS)[kind]):
        # "Regionen och kommunerna ska gemensamt anmäla till SKR … Anmälan ska ha kommit in …": the sentence before,
        # on the same act, says who acts
        mv = _PRESENT_ACT.match(u.prev)
        subj = re.split(r"\s+(?:ska|skall)\s+", u.prev, maxsplit=1)
        who = mv.group("who") if mv else subj[0].strip() if len(subj) == 2 and len(subj[0].split()) <= 8 else who
    if not who or who[0].islower() or not _ACTOR.search(who):
        actors = re.sub(r"\b(?:till|från|hos|av)\s+\S+", " ", u.text)  # "från Kammarkollegiet/SKR" is not who acts
        who = {"region": "regionerna", "kommun": "kommunerna", "lan": "länets aktör", "skr": "SKR"}.get(
            _level(actors), "mottagaren")
    to, quote = None, u.text
    mt = re.search(r"\b(?:till|från|hos) (?P<to>Kammarkollegiet|SKR|SKL|Storsthlm|Socialstyrelsen|[A-ZÅÄÖ][\wåäö]+"
                   r"(?: [A-ZÅÄÖ][\wåäö]+)?)", u.text)
    mt = mt or re.search(r"\b(?:fakturera|meddela|kontakta|underrätta)\s+(?P<to>[A-ZÅÄÖ][\wåäö]+)", u.text)
    if later_to:
        to = later_to
    elif mt:
        to = mt.group("to")
    elif _EMAIL.search(u.text):
        to = _EMAIL.search(u.text).group(0)
    elif u.prev and any(st in fold(u.prev) for st in dict(_KIND_STEMS)[kind]):
        # "… efter rekvisition ställd till Kammarkollegiet. Rekvisition av medel ska ske senast …"
        mp = re.search(r"\b(?:ställd|ställas|skickas|lämnas|sänds|ske) till (?P<to>[A-ZÅÄÖ][\wåäö]+)", u.prev)
        to = mp.group("to") if mp else None
        if to:
            quote = f"{u.prev} {u.text}"
    data = {"id": f"{doc.id}-dl-{kind}-{date.isoformat()}", "agreement": ctx.agreement_id, "kind": kind,
            "date": date.isoformat(), "who": who[:80], "action": _ACTIONS[kind], "source": _src(doc, u.section, u.page, quote)}
    part = re.search(r"\b(?:omfördelade|eventuella|resterande|kvarvarande)\s+(?:[a-zåäö]+\s+)?medel\b",
                     u.text.split("senast")[0], re.I) if kind == "utbetalning" else None
    if part:  # "Omfördelade medel betalas ut senast …": a part of the money, not all of it
        data["action"] = f"betala ut {part.group(0).lower()}"
    if to:
        data["to"] = to
    after_unit = units[units.index(u) + 1] if units.index(u) + 1 < len(units) else None
    if after_unit is not None and after_unit.section == u.section and (
            _CONSEQUENCE.search(after_unit.text) or _IF_LATE.match(after_unit.text)):
        data["consequence"] = after_unit.text  # "Rätten till bidrag förfaller om …"
    elif _CONSEQUENCE.search(u.text.split("senast", 1)[-1]):
        data["consequence"] = u.text
    elif (later := _later_consequence(units, u, kind)) is not None:
        data["consequence"] = later
    ctx.add("deadline", f"{_ACTIONS[kind]}{' till ' + to if to else ''} senast {format_date(date)} ({who[:40]})",
            data, u, 0.75 if "senast" in f else 0.55)


#: "Om ingen mottagare har anmälts i tid betalas …": what happens when the deadline before it is missed
_IF_LATE = re.compile(r"^Om\s[^.]{0,100}?\b(?:inte|ingen|inget|inga)\b[^.]{0,80}?\b(?:i tid|inom denna tid|senast)\b")


def _later_consequence(units: list[_Unit], u: _Unit, kind: str) -> str | None:
    """"… ska lämnas till Kammarkollegiet senast den 31 mars 2020. [two sentences on what it holds] Om
    redovisningen inte inkommer i tid kan regeringen återkräva stödet.": a consequence a few sentences on in the
    same section, when it names the same kind of deadline and no other deadline comes between."""
    stems = dict(_KIND_STEMS)[kind] + (("redovis",) if kind in ("ekonomisk_redovisning", "slutrapport") else ())
    i = units.index(u)
    for v in units[i + 1:i + 4]:
        f = fold(v.text)
        if v.section != u.section or find_dates(v.text):
            return None
        if _CONSEQUENCE.search(v.text) and any(s in f for s in stems) and re.search(r"\b(om|i tid|for sent)\b", f):
            return v.text
    return None


MAX_RULES = 40
#: a numbered list run into one sentence: "… samt: 1. märk fakturan … 2. belopp 3. …"
_NUMBERED_LIST = re.compile(r"(?:^|\s)1\.\s+\S.*\s2\.\s+\S")


_RUN_IN_HEADING = re.compile(r"^(?P<head>[^.]{10,120}?\b(?:19|20)\d{2}) (?P<rest>[A-ZÅÄÖ][a-zåäö]+ [^.]{10,}\..*)$")


def _draft_rules(ctx: _Ctx, units: list[_Unit]) -> None:
    """A sentence about a rule the engine knows a topic for (no VAT, the invoice's reference, where to
    send it, what a report must contain …) becomes a fact of that topic, in the document's own words."""
    from engine.understanding import QuestionParser, normalise

    doc, n = ctx.doc, 0
    for k, u in enumerate(units):
        if n >= MAX_RULES or len(u.text) < 25 or len(u.text) > 400:
            continue
        u = _with_list(units, k)  # "Rekvisitionen ska innehålla följande uppgifter: 1. … 6. …": the whole list
        topics = QuestionParser._topics(normalise(u.text))
        if not topics:
            continue
        topic, weight = max(topics.items(), key=lambda tw: tw[1])
        if weight < 1.0:
            continue
        text = u.text
        run_in = _RUN_IN_HEADING.match(text)
        if run_in and QuestionParser._topics(normalise(run_in.group("rest"))).get(topic, 0.0) >= 1.0:
            # "Skicka faktura till Storsthlm – senast den 1 december 2020 Storsthlm utbetalar fakturan så snart …":
            # a heading run into the sentence; the rule is the sentence (the heading's date is another item's)
            text = run_in.group("rest")
        family = topic.split("_")[0]  # a sentence naming several parts of one subject is its content list
        parts = [t for t, w in topics.items() if t.startswith(family + "_") and w >= 1.0 and t != f"{family}_innehall"]
        also: list[str] = []
        if len(parts) >= 2 and (topics.get(f"{family}_innehall", 0.0) >= 1.0 or len(parts) >= 3
                                or _NUMBERED_LIST.search(u.text)):
            # "Ange ”…”, dnr …, samt: 1. märk fakturan med referens … 2. belopp …" is the content list, and
            # the document's own words on each part it names (the text, the dnr, the reference)
            topic, also = f"{family}_innehall", sorted(parts)
        elif len(parts) >= 2:  # "… ska ni inte lägga på moms utan fakturerar endast den summan ni blivit tilldelad"
            also = sorted(t for t in parts if t != topic)
        for t in [topic, *also]:
            if n >= MAX_RULES:
                break
            n += 1
            data = {"id": f"{doc.id}-regel-{n}", "topic": t, "agreement": ctx.agreement_id,
                    "title": u.section[:80], "text": text, "source": _src(doc, u.section, u.page, text)}
            if u.head_year or len(ctx.years) == 1:
                data["year"] = u.head_year or ctx.years[0]
            ctx.add("fact", f"Regel ({t}): {u.text[:90]}", data, u, 0.5)


def _with_list(units: list[_Unit], k: int) -> _Unit:
    """A sentence that leads into a numbered or lettered list ("… ska innehålla följande uppgifter: 1. kommunens
    namn …, 2. …") with the list's items that the sentence splitting cut off ("4. Region X:s diarienummer …"):
    one rule holds the whole list."""
    u = units[k]
    if not _LIST_LEAD.search(u.text):
        return u
    items = []
    for nxt in units[k + 1:]:
        if nxt.section != u.section or not _LIST_ITEM_UNIT.match(nxt.text) or len(u.text) + sum(map(len, items)) > MAX_LIST:
            break
        items.append(nxt.text)
    if not items:
        return u
    return _Unit(" ".join([u.text, *items]), u.section, u.page, u.prev, u.head_year)


_DONE = re.compile(r"(?:^|(?<=\bkr )|(?<=\. ))(?P<who>[A-ZÅÄÖ][\wåäöé-]+(?: [A-ZÅÄÖ][\wåäöé-]+){0,2}) (?:har|hade) (?:redan )?"
                   r"(?P<verb>rekvirerat|fakturerat|ansökt om)\b", re.U)


def _draft_done_statements(ctx: _Ctx, units: list[_Unit]) -> None:
    """A known recipient that the document says has already requisitioned or invoiced ("Region Dalarna har
    rekvirerat samtliga medel för Dalarnas del enligt överenskommelsen."): a requisition fact in its own words,
    what a status question about that recipient is answered with when no sheet says more."""
    from engine.recipients import RecipientIndex

    index = RecipientIndex(ctx.kb.recipients)
    for n, u in enumerate(units):
        m = _DONE.search(u.text)  # (the sentence may follow a table's last row in the same unit)
        text = u.text[m.start():] if m else ""
        if not m or len(text) > 300:
            continue
        rec = index.resolve(m.group("who")) if index.resolve_exact(m.group("who")) else None
        if rec is None:
            continue
        data = {"id": f"{ctx.doc.id}-gjort-{n}", "topic": "rekvisition_formular", "agreement": ctx.agreement_id,
                "title": u.section[:80], "text": text, "source": _src(ctx.doc, u.section, u.page, text),
                "keywords": ["rekvisition", "rekvirera", "rekvirerat", rec.short]}
        if u.head_year or len(ctx.years) == 1:
            data["year"] = u.head_year or ctx.years[0]
        ctx.add("fact", f"Gjort ({m.group('verb')}): {text[:90]}", data, _Unit(text, u.section, u.page), 0.5)


_PERSON = re.compile(r"^[A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?(?: [A-ZÅÄÖ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?){1,2}$")
_ROLE = re.compile(r"^(?:\w+)?(?:chef|direktör|ordförande|handläggare|samordnare|strateg|utvecklingsledare|sekreterare|"
                   r"controller|ekonom|utredare)\b", re.I)


def _draft_signature(ctx: _Ctx) -> None:
    """The person who signs the document: a line of two or three capitalised names directly over a line that
    starts with a role ("Åsa Danielsson" / "verksamhetschef, Storsthlm"), the last such pair of the document."""
    found = None
    for sec in ctx.doc.sections:
        lines = [x.strip() for x in sec.text.splitlines() if x.strip()]
        for a, b in zip(lines, lines[1:], strict=False):
            if _PERSON.match(a) and _ROLE.match(b) and len(b) <= 80:
                found = (a, b.rstrip(" ."), sec)
    if found is None:
        return
    name, role, sec = found
    text = f"{name}, {role}, har undertecknat dokumentet."
    data = {"id": f"{ctx.doc.id}-avsandare", "topic": "avsandare", "agreement": ctx.agreement_id,
            "title": f"Avsändare: {name}", "text": text, "value": name,
            "keywords": ["undertecknat", "undertecknade", "avsändare", "vem skrev", "skrivit", "skrev", "skrivit under",
                         "underskrift", "signerat", "författare", "pm", "pm:et", name, role.split(",")[0]],
            "source": _src(ctx.doc, sec.heading, sec.page, f"{name} {role}")}
    if len(ctx.years) == 1:
        data["year"] = ctx.years[0]
    ctx.add("fact", f"Avsändare: {name}, {role}", data, _Unit(text, sec.heading, sec.page), 0.5)


#: "Frågor om X besvaras av NN", "Frågor om X: NN, e-post", "NN, SKR, … svarar på frågor om X": who answers what
_CONTACT_ABOUT = re.compile(
    r"\bFrågor om (?P<about>[^.:]{3,120}?)\s+(?:besvaras av|ställs till|kan ställas till|skickas till)\s+"
    r"(?P<who>[^,.]{2,60})"
    r"|\bFrågor om (?P<about2>[^.:]{3,120}?):\s*(?P<who2>[^,]{2,60}),", re.I)


def _draft_contacts(ctx: _Ctx, units: list[_Unit]) -> None:
    doc, seen = ctx.doc, Counter()
    for u in units:
        for m in _EMAIL.finditer(u.text):
            email = m.group(0).rstrip(".")
            if seen[email] >= 3:  # each sentence that sends something to the address (at most three)
                continue
            seen[email] += 1
            suffix = "" if seen[email] == 1 else f"-{seen[email]}"
            keywords = ["kontakt", "e-post", "mejl", "mail", "frågor", email]
            topic = "kontakt"
            if re.search(r"faktur", fold(u.text[max(0, m.start() - 80):m.start()])):
                # "skicka gärna en elektronisk faktura till faktura@…": where the invoice is sent
                topic, keywords = "faktura_epost", [*keywords, "faktura", "fakturan", "skicka", "adress"]
            title = f"Kontakt: {email}" + ("" if not suffix else f" ({u.text[:40].rstrip()}…)")
            # (the sentence before too: a line ending "… besvaras av" may have been cut off as a sentence or a heading)
            before = next((b.strip() for b in (u.prev, u.section) if b and re.search(r"\b(?:av|till)$", b.strip())), "")
            joined, at = (f"{before} {u.text}", len(before) + 1 + m.start()) if before else (u.text, m.start())
            about = [a for a in _CONTACT_ABOUT.finditer(joined) if a.end() <= at]
            if about and topic == "kontakt" and not fold(joined[about[-1].end():at]).count("fragor om"):
                # "Frågor om rekvisition, utbetalning och återbetalning besvaras av Petter Rova, …, e-post …": who
                # answers what; the title names both (engine/answers/contacts.py picks by the subject asked)
                who = (about[-1].group("who") or about[-1].group("who2")).strip()
                what = (about[-1].group("about") or about[-1].group("about2")).strip()
                # (the subject in the text only, as the sentence had it: not as a title word of the fact)
                title, text = f"Kontakt: {who}, {email}", f"{who}, {email}: svarar på frågor om {what}."
            else:
                text = u.text
            data = {"id": f"{doc.id}-kontakt-{_slug(email, 40)}{suffix}", "topic": topic,
                    "agreement": ctx.agreement_id, "value": email, "title": title, "text": text,
                    "keywords": keywords, "source": _src(doc, u.section, u.page, joined if about else u.text)}
            ctx.add("fact", f"Kontakt: {email}", data, u, 0.8)


# --------------------------------------------------------------------------- identifiers

#: a case number after its word: "Dnr: RS 2027/0412", "Region Norrbottens diarienummer RS 2027/0412",
#: "SKR:s ärendenummer: 26/01932"; the owner is the genitive before the word, when there is one
_ID_OWNER = r"(?:(?P<owner>(?:[A-ZÅÄÖ][\wåäöé-]*\s){0,2}[A-ZÅÄÖ][\wåäöé-]*?(?::s|s))\s+)?"
_CASE_ID = re.compile(_ID_OWNER + r"(?P<word>diarienummer|diarienumret|dnr|ärendenummer|ärendenumret)\.?:?\s*"
                      r"(?P<value>(?:[A-ZÅÄÖ]{1,4}\s?)?\d{1,4}(?:[./-]\d+)*/\d{2,6})\b", re.I)
#: "Region Norrbottens bankgiro 5050-1212", "plusgiro 123456-7"
_GIRO_ID = re.compile(_ID_OWNER + r"(?P<word>bankgiro|plusgiro)(?:nummer|numret|t)?\s*(?:nr\.?\s*)?:?\s*"
                      r"(?P<value>\d{2,6}-\d{1,4})\b", re.I)


def _draft_identifiers(ctx: _Ctx, units: list[_Unit]) -> None:
    """Case numbers and bank giros a document states, each with whose it is and the sentence it stands in, so a
    question for one gets the value first ("bankgiro för återbetalning till …?" → 5050-1212)."""
    doc, seen = ctx.doc, set()
    texts = [(u, False) for u in units]
    if getattr(doc, "dnr", None) and doc.sections:  # the document's own, as the coordinator gave it
        texts.insert(0, (_Unit(f"Dnr: {doc.dnr}", doc.sections[0].heading, doc.sections[0].page), True))
    for u, head in texts:
        for topic, pattern in (("diarienummer", _CASE_ID), ("bankgiro", _GIRO_ID)):
            for m in pattern.finditer(u.text):
                value = re.sub(r"\s+", " ", m.group("value"))
                owner = (m.group("owner") or "").strip()
                if owner and owner.split()[0].lower() in ("med", "och", "till", "på", "den", "det", "en", "ett"):
                    owner = " ".join(owner.split()[1:])
                if (topic, value) in seen:
                    continue
                seen.add((topic, value))
                base = {"dnr": "diarienummer", "diarienumret": "diarienummer", "ärendenumret": "ärendenummer"}.get(
                    m.group("word").lower(), m.group("word").lower())
                whose = f"{owner} {base}" if owner else base
                if not owner and head:
                    text = f"{value} är {base}et för {doc.title}."
                else:
                    text = f"{value} är {whose}." + ("" if head else f" ”{u.text}”")
                # only what it is and whose: the document's title words would make it match any question about it
                title_words = re.findall(r"[\wåäöÅÄÖé]{4,}", owner)
                data = {"id": f"{doc.id}-{topic}-{_slug(value, 30)}", "topic": topic, "agreement": ctx.agreement_id,
                        "value": value, "title": f"{'Diarienummer' if topic == 'diarienummer' else 'Bankgiro'}: "
                        f"{value}{' (' + owner + ')' if owner else ''}", "text": text,
                        "keywords": [m.group("word").lower(), topic, *title_words[:12]],
                        "source": _src(doc, u.section, u.page, u.text)}
                ctx.add("fact", data["title"], data, u, 0.8 if owner or head else 0.6)


# --------------------------------------------------------------------------- forms

#: "Information som ska ingå i rekvisition och ekonomisk berättelse", "Ansökan ska innehålla följande uppgifter"
_FORM_INTRO = re.compile(r"\b(?:ska|skall|ska även|måste)\s+(?:ingå|innehålla|anges|finnas med|framgå)\b", re.I)
#: a form's name → the fact topic the engine answers "what must the … contain" from
_FORM_TOPICS = (("ekonomisk_redovisning_formular", re.compile(r"\bekonomisk[a]? (?:berättelse|redovisning)", re.I)),
                ("rekvisition_formular", re.compile(r"\b(?:rekvisition|ansökan)", re.I)))
_FORM_GROUP = re.compile(r"^(\d{1,2})\.\s+([A-ZÅÄÖ].{2,80})$")
_FORM_END = re.compile(r"^(?:\d{1,2}\.\d|\d{1,2}\.?\s+Bilaga|Bilaga\b)", re.I)


def _lines_after(doc: LibraryDocument, k: int) -> list[tuple[str, Any]]:
    """The document's lines from section k on, headings without text of their own included."""
    out: list[tuple[str, Any]] = []
    for sec in doc.sections[k:]:
        for line in [*sec.before, sec.heading, *sec.text.split("\n")]:
            if line.strip():
                out.append((" ".join(line.split()), sec))
    return out


def _draft_forms(ctx: _Ctx) -> None:
    """An appendix listing what a requisition or a financial report must contain ("Information som ska ingå
    i rekvisition och ekonomisk berättelse", then "1. Kontaktuppgifter", its field names, "2. …") becomes a
    form fact whose items are the numbered parts with their fields, in the document's words. Two forms set
    side by side (two columns read line by line) are told apart by their part numbers: a part number seen
    again belongs to the second form."""
    doc, done = ctx.doc, set()
    for k, sec in enumerate(doc.sections):
        intro = next((ln for ln in [sec.heading, *sec.text.split("\n")] if _FORM_INTRO.search(ln)
                      and any(rx.search(ln) for _, rx in _FORM_TOPICS)), None)
        if intro is None:
            continue
        named = sorted(((m.start(), topic) for topic, rx in _FORM_TOPICS for m in [rx.search(intro)] if m))
        topics = [t for _, t in named if t not in done]
        if not topics or len(topics) != len(named):
            continue
        forms: list[list[tuple[int, str, list[str]]]] = [[] for _ in topics]
        current: list[str] | None = None
        for line, _sec in _lines_after(doc, k)[1:200]:
            if line == intro or line == sec.heading:
                continue
            if _FORM_END.match(line):
                break
            g = _FORM_GROUP.match(line)
            if g:
                num = int(g.group(1))
                # the form whose last part is the one before; of several, the first that lacks this number
                title = g.group(2).rstrip(" :")
                free = [i for i, f in enumerate(forms) if title not in {p[1] for p in f}]  # not a part twice
                fits = [i for i in free if (forms[i][-1][0] if forms[i] else 0) == num - 1]
                fits = fits or [i for i in free if num not in {p[0] for p in forms[i]}]
                if not fits:
                    break
                current = []
                forms[fits[0]].append((num, title, current))
                continue
            if current is None:
                continue
            if current and (current[-1].endswith("-") or line[:1].islower()):
                current[-1] = current[-1][:-1] + line if current[-1].endswith("-") else f"{current[-1]} {line}"
            else:
                current.append(line)
        for topic, parts in zip(topics, forms, strict=True):
            if len(parts) < 2 or parts[0][0] != 1:
                continue
            done.add(topic)
            items = [f"{num}. {title}: "
                     f"{', '.join((f[0].lower() + f[1:] if f[1:2].islower() else f).rstrip('.') for f in fields)}"
                     if fields else f"{num}. {title}" for num, title, fields in parts]
            name = "Rekvisitionen" if topic.startswith("rekvisition") else "Den ekonomiska redovisningen"
            data = {"id": f"{doc.id}-{topic.replace('_', '-')}", "topic": topic, "agreement": ctx.agreement_id,
                    "title": f"Vad {name.lower()} ska innehålla ({sec.heading[:60]})",
                    "text": f"{name} ska innehålla {len(parts)} delar:", "items": items,
                    "keywords": ["formulär", "blankett", "fält", "innehålla"],
                    "source": _src(doc, sec.heading, sec.page, intro)}
            if len(ctx.years) == 1:
                data["year"] = ctx.years[0]
            ctx.add("fact", f"Formulär ({topic}): {len(parts)} delar", data, _Unit(intro, sec.heading, sec.page), 0.6)


# --------------------------------------------------------------------------- requirement lists

#: "Grundkrav 2013", "Prestationsmål 2012", "Villkor för 2024": a heading over one year's requirements
#: "Grundkrav 2013", "Prestationsmål 2012:", "5. Grundkrav 2027", "5.1 Grundkrav 2028 (aviserade)"
_REQ_HEAD = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(grundkrav|prestationsmål|krav|villkor)(?:en)?\s+(?:för\s+)?"
                       r"((?:19|20)\d\d)\s*(?:\([^)]{1,40}\))?\s*:?$", re.I)
_SECTION_NO = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s")
_REQ_TOPIC = {"grundkrav": "grundkrav", "krav": "grundkrav", "villkor": "grundkrav", "prestationsmål": "prestationsmal"}
_REQ_ITEM = re.compile(rf"^(?:\d{{1,2}}\.\s|[a-h]\.\s|(?:{_NUM})\s?(?:{_UNIT}|miljoner|kronor)\b)", re.I)
_REQ_LABEL = re.compile(r"^[A-ZÅÄÖ][\wåäöÅÄÖ-]*(?: [\wåäöÅÄÖ-]+){0,3}$")


def _draft_requirement_lists(ctx: _Ctx) -> None:
    """A heading such as "Grundkrav 2013" or "Prestationsmål 2012" over numbered or amount-led paragraphs
    (with sub-headings such as "Barn och unga", "Vuxna", "Grundkrav 1") becomes one fact of that year whose
    items are the paragraphs in the document's words, each prefixed by its sub-heading. The year is the
    heading's, so a document planning one year can carry the requirements of two."""
    doc = ctx.doc
    lines = _lines_after(doc, 0)
    seen: set[tuple[str, int]] = set()
    i = 0
    while i < len(lines):
        m = _REQ_HEAD.match(lines[i][0])
        if not m:
            i += 1
            continue
        topic, year, head, sec = _REQ_TOPIC[m.group(1).lower()], int(m.group(2)), lines[i][0], lines[i][1]
        items: list[str] = []
        label, fresh = "", False
        j = i + 1
        head_no = _SECTION_NO.match(head)
        while j < len(lines) and j - i < 80:
            line = lines[j][0]
            if _REQ_HEAD.match(line) or re.match(r"^Bilaga\b", line, re.I):
                break
            no = _SECTION_NO.match(lines[j][1].heading) if lines[j][1] is not sec else None
            if head_no and no and not no.group(1).startswith(head_no.group(1) + "."):
                break  # "6. Användning av medlen" after "5.1 Grundkrav 2028": the next section, not an item
            if _REQ_LABEL.match(line) and not line.endswith((".", ",")) and not _REQ_ITEM.match(line):
                label, fresh = line, True
            elif fresh or _REQ_ITEM.match(line) or not items:
                items.append(f"{label}: {line}" if label else line)
                fresh = False
            elif items[-1].endswith("-") and line[:1].islower() and line.split()[0] not in ("och", "eller", "samt"):
                items[-1] = items[-1][:-1] + line
            else:
                items[-1] += " " + line
            j += 1
        i = j
        if not items or (topic, year) in seen or sum(len(x) for x in items) > 4000:
            continue
        seen.add((topic, year))
        name = "Prestationsmål" if topic == "prestationsmal" else "Grundkrav"
        labels = sorted({x.split(":")[0].lower() for x in items if ": " in x})
        data = {"id": f"{doc.id}-{topic}-{year}", "topic": topic, "agreement": ctx.agreement_id, "year": year,
                "title": f"{name} {year}", "text": f"{head}:", "items": items,
                "keywords": [name.lower(), "krav", *labels],
                "source": _src(doc, sec.heading, sec.page, items[0][:200])}
        ctx.add("fact", f"{name} {year}: {len(items)} punkter", data, _Unit(head, sec.heading, sec.page), 0.6)


# --------------------------------------------------------------------------- contradictions


def _conflict(item: DraftItem, kb: Any) -> str | None:
    d = item.data
    if item.kind == "post":
        for p in kb.posts.values():
            if p.year == d["year"] and p.amount is not None and fold(p.name) == fold(d["name"]) and \
                    p.amount != Decimal(d["amount"]) and p.source.doc != d["source"]["doc"]:
                return f"kunskapsbasen har {format_kr(p.amount)} för {p.short} {p.year} ({p.source.cite()})"
    if item.kind == "allocation":
        same = [a for a in kb.allocations if a.recipient == d["recipient"] and a.year == d["year"]
                and a.source.doc != d["source"]["doc"]]
        if same and all(a.amount != Decimal(d["amount"]) for a in same) and any(a.post is None for a in same):
            a = next(a for a in same if a.post is None)
            return f"kunskapsbasen har {format_kr(a.amount)} för samma mottagare {a.year} ({a.source.cite()})"
    if item.kind == "agreement" and d.get("total"):
        for a in kb.agreements.values():
            if a.total is not None and a.total_year == d.get("total_year") and a.total != Decimal(d["total"]) and \
                    a.source.doc != d["source"]["doc"] and fold(a.name) == fold(d["name"]):
                return f"kunskapsbasen har totalt {format_kr(a.total)} ({a.source.cite()})"
    if item.kind == "deadline":
        for dl in kb.deadlines:
            if dl.kind == d["kind"] and dl.date and dl.date.year == int(d["date"][:4]) and \
                    dl.date.isoformat() != d["date"] and dl.source.doc != d["source"]["doc"] and \
                    fold(dl.task()) == fold(_ACTIONS[d["kind"]]):
                return f"kunskapsbasen har {format_date(dl.date)} ({dl.source.cite()})"
    return None


# --------------------------------------------------------------------------- storage and review


def _drafts_path(lib: Library, doc: LibraryDocument):
    return lib.directory / f"{doc.id}.drafts.json"


def save(lib: Library, doc: LibraryDocument, items: list[DraftItem]) -> None:
    import json

    write_atomic(_drafts_path(lib, doc), json.dumps([as_dict(i) for i in items], ensure_ascii=False,
                                                    indent=1))


def load(lib: Library, doc: LibraryDocument) -> list[DraftItem] | None:
    import json

    path = _drafts_path(lib, doc)
    if not path.is_file():
        return None
    try:
        return [validate(DraftItem, x) for x in json.loads(path.read_text(encoding="utf-8"))]
    except (OSError, ValueError) as e:  # pydantic's ValidationError is a ValueError
        raise DocumentError(f"{path}: utkasten kan inte läsas ({type(e).__name__})") from e


def _base_kb(lib: Library, exclude: str | None = None):
    from engine.knowledge_layers import Layer, library_layer, load_layered

    layer = library_layer(lib)
    if exclude:
        layer = Layer(layer.name, [(lbl, kf) for lbl, kf in layer.files if kf.doc != exclude], layer.docs)
    return load_layered([layer], library=lib)


def draft_and_store(lib: Library, doc: LibraryDocument, kb: Any = None) -> list[DraftItem]:
    items = draft(doc, kb if kb is not None else _base_kb(lib, exclude=doc.id))
    save(lib, doc, items)
    return items


def load_or_draft(lib: Library, doc: LibraryDocument) -> list[DraftItem]:
    items = load(lib, doc)
    return items if items is not None else draft_and_store(lib, doc)


def review_state(lib: Library, doc: LibraryDocument) -> str:
    items = load(lib, doc)
    if not items:
        return ""
    counts = {s: sum(1 for i in items if i.status == s) for s in ("utkast", "godkänd", "avvisad")}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n)


def review_text(lib: Library, doc: LibraryDocument, items: list[DraftItem]) -> str:
    lines = [f"Utkast ur {doc.title} ({doc.id}): {len(items)} st"]
    for i in items:
        where = f"avsnitt {i.section}" + (f", s. {i.page}" if i.page else "")
        flag = f"\n      MOTSÄGER: {i.conflict}" if i.conflict else ""
        lines.append(f"{i.n:>3}. [{i.status}] {_KIND_LABEL[i.kind]}: {i.label}  (säkerhet {i.confidence:.2f}){flag}\n"
                     f"      ”{i.sentence[:300]}” — {where}")
    lines.append(f"Besluta: stimulans dokument granska {doc.id} --godkänn all|1,4,7  eller  --avvisa 2,3")
    if any(i.conflict for i in items):
        lines.append("Utkast som motsäger befintliga uppgifter godkänns inte med ”all”; ange deras nummer om de ska gälla.")
    return "\n".join(lines)


def parse_selection(spec: str | None, items: list[DraftItem], *, for_all_skip_conflicts: bool) -> set[int]:
    if not spec:
        return set()
    spec = spec.strip().lower()
    if spec in ("all", "alla"):
        return {i.n for i in items if not (for_all_skip_conflicts and i.conflict)}
    out: set[int] = set()
    numbers = {i.n for i in items}
    for part in spec.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"”{part}” är inget utkastnummer; skriv t.ex. 1,4,7 eller all")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        bad = [n for n in range(lo, hi + 1) if n not in numbers]
        if bad:
            raise ValueError(f"utkast {bad[0]} finns inte (1–{max(numbers, default=0)})")
        out |= set(range(lo, hi + 1))
    return out


@dataclass
class Decision:
    doc: LibraryDocument
    accepted: list[DraftItem]
    rejected: list[DraftItem]
    added_agreement: bool = False
    skipped_conflicts: list[DraftItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.accepted)} godkända", f"{len(self.rejected)} avvisade"]
        text = f"{self.doc.title}: " + ", ".join(parts) + "."
        if self.added_agreement:
            text += " Överenskommelsen togs med eftersom godkända uppgifter hör till den."
        if self.skipped_conflicts:
            text += (" Inte godkända (motsäger befintliga uppgifter): "
                     + ", ".join(str(i.n) for i in self.skipped_conflicts) + ".")
        if self.accepted:
            text += " De gäller nu i svaren."
        return text


def build_file(doc: LibraryDocument, accepted: list[DraftItem]) -> dict[str, Any]:
    data: dict[str, Any] = {"doc": doc.id, "title": doc.title}
    for i in sorted(accepted, key=lambda i: i.n):
        data.setdefault(_SECTION_OF[i.kind], []).append(i.data)
    return data


def _checks(kf: KnowledgeFile) -> list[str]:
    """Like `verify`: posts against the stated total, tables against their own columns."""
    out = []
    for a in kf.agreements:
        if a.total is None:
            continue
        posts = [p for p in kf.posts if p.agreement == a.id and p.year == a.total_year and p.amount is not None]
        s = sum((p.amount for p in posts), Decimal(0))
        if posts and s > a.total:
            out.append(f"posterna summerar till {format_kr(s)}, mer än överenskommelsens totalt {format_kr(a.total)}")
    return out


def decide(lib: Library, doc: LibraryDocument, *, accept: str | None = None, reject: str | None = None,
           kb: Any = None) -> Decision:
    """Accept/reject drafts; write every accepted one to the live layer (validated, cross-checked) or nothing."""
    from engine.knowledge import KnowledgeError, _validate
    from engine.knowledge_layers import Layer, library_layer, load_layered

    items = load_or_draft(lib, doc)
    acc = parse_selection(accept, items, for_all_skip_conflicts=True)
    rej = parse_selection(reject, items, for_all_skip_conflicts=False)
    if acc & rej:
        raise ValueError(f"utkast {min(acc & rej)} kan inte både godkännas och avvisas")
    skipped = [i for i in items if accept and accept.strip().lower() in ("all", "alla") and i.conflict
               and i.n not in rej and i.status != "godkänd"]
    for i in items:
        if i.n in acc:
            i.status = "godkänd"
        elif i.n in rej:
            i.status = "avvisad"
    accepted = [i for i in items if i.status == "godkänd"]
    added_agreement = False
    if any(i.kind != "agreement" and i.data.get("agreement") for i in accepted) and \
            not any(i.kind == "agreement" for i in accepted):
        ag = next((i for i in items if i.kind == "agreement"), None)
        if ag is not None:
            ag.status, added_agreement = "godkänd", True
            accepted.append(ag)
    path = lib.layer_dir / f"{doc.id}.yaml"
    warnings: list[str] = []
    if accepted:
        data = build_file(doc, accepted)
        kf = _validate(path, data, None)  # KnowledgeError names the item
        base = library_layer(lib)
        files = [(lbl, f) for lbl, f in base.files if f.doc != doc.id] + [(str(path), kf)]
        try:
            load_layered([Layer(base.name, files, base.docs | {doc.id})], library=lib)  # the cross-check
        except KnowledgeError as e:
            raise DocumentError(f"utkasten godkändes inte (inget sparat): {str(e).splitlines()[0]}") from e
        warnings = _checks(kf)
        write_atomic(path, "# Godkända utkast ur " + doc.title.replace("\n", " ") + "\n" +
                     yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120))
    else:
        path.unlink(missing_ok=True)
    save(lib, doc, items)
    return Decision(doc, [i for i in items if i.status == "godkänd"], [i for i in items if i.status == "avvisad"],
                    added_agreement, skipped, warnings)
