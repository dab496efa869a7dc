"""Invoice and requisition drafts per recipient: the pure content (no file formats here).

    draft = invoice_draft(kb, "kommun-0162", 2020, snapshot)   # Danderyd's invoice to Storsthlm
    draft = requisition_draft(kb, "kommun-2080", 2019, snapshot)  # the 2019 Bilaga 1 form
    report = check_invoice_text(kb, text, 2020)                # which required elements a text has

Every field carries where it comes from: a knowledge-base fact (document + section), the shared
sheet (tab + row), a computed estimate (labelled, with its inputs), or nothing — then it is a clearly
marked blank ("ATT FYLLA I"). Renderers (txt/docx/pdf) live in `sheets/outputs.py`; they only lay
out `Draft.fields`, `Draft.notes` and `Draft.plain_text()`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.formatting import format_date, format_kr
from engine.scope import applies
from engine.store import Contact, Role, Snapshot, StatusRow
from engine.text import fold

BLANK = "[ATT FYLLA I]"
ESTIMATE_BANNER = "OBS! BERÄKNAT BELOPP, INTE PUBLICERAT"


class DraftError(Exception):
    """A draft cannot be made (no such form for that year, recipient not concerned...); Swedish message."""


@dataclass(frozen=True)
class DraftField:
    key: str  # stable id, e.g. "dnr", "referens", "belopp"
    label: str  # Swedish label shown on the draft
    value: str  # "" = blank, to be filled in by the recipient
    source: str  # "000_…, Skicka faktura …" / "arket: Kontakter rad 4" / "" for a blank
    required: bool = True
    estimate: bool = False
    note: str = ""  # e.g. the estimate's inputs, or why a field is blank

    @property
    def shown(self) -> str:
        return self.value or BLANK


@dataclass(frozen=True)
class Draft:
    kind: str  # "faktura" / "rekvisition"
    title: str
    recipient_id: str
    recipient_name: str
    year: int
    agreement: str
    fields: list[DraftField]
    notes: list[str] = field(default_factory=list)  # shown before the fields; the estimate banner first
    estimate: bool = False

    def get(self, key: str) -> DraftField:
        return next(f for f in self.fields if f.key == key)

    @property
    def blanks(self) -> list[DraftField]:
        return [f for f in self.fields if not f.value]

    def plain_text(self) -> str:
        lines = [self.title, "=" * len(self.title), ""]
        lines += self.notes
        if self.notes:
            lines.append("")
        for f in self.fields:
            lines.append(f"{f.label}: {f.shown}")
            if f.note:
                lines.append(f"    ({f.note})")
            if f.source:
                lines.append(f"    Källa: {f.source}")
        if self.blanks:
            lines += ["", f"{len(self.blanks)} fält märkta {BLANK} kan inte hämtas ur dokumenten eller arket "
                          "och fylls i av er."]
        return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ helpers


def _fact(kb: Any, topic: str, year: int) -> Any | None:
    facts = [f for f in getattr(kb, "facts", []) or [] if f.topic == topic and f.year == year]
    return facts[0] if facts else None


def _recipient(kb: Any, recipient_id: str) -> Any:
    r = kb.recipients.get(recipient_id)
    if r is None:
        raise DraftError(f"Okänd mottagare {recipient_id}.")
    return r


def _rows(snapshot: Snapshot | None, recipient_id: str, agreement: str) -> list[StatusRow]:
    # only the agreement's rows: a planned use typed for another year must not land on this draft
    return [s for s in (snapshot.statuses if snapshot else [])
            if s.key.recipient_id == recipient_id and s.key.agreement == agreement]


def _contact(snapshot: Snapshot | None, recipient_id: str) -> Contact | None:
    return next((c for c in (snapshot.contacts if snapshot else [])
                 if c.recipient_id == recipient_id and c.role == Role.kontakt), None)


_EXTRA_HEADERS = {
    "orgnr": ("organisationsnummer", "orgnr", "org nr", "org.nr", "organisationsnr"),
    "bankgiro": ("bankgiro", "plusgiro", "bankgiro/plusgiro", "konto", "kontonummer", "bg"),
}


def _from_rows(rows: list[StatusRow], attr: str | None = None, extra: str | None = None) -> tuple[str, str]:
    """(value, source) of the first row that has it: a model attribute or an extra column typed in the sheet."""
    for row in rows:
        if attr:
            value = str(getattr(row, attr) or "").strip()
        else:
            names = _EXTRA_HEADERS[extra or ""]
            value = next((str(v).strip() for h, v in row.raw.items() if fold(h).strip(" :") in names and
                          str(v).strip()), "")
        if value:
            return value, f"arket: Rekvisitioner rad {row.row}"
    return "", ""


def _kb_field(key: str, label: str, fact: Any | None, value: str | None = None, note: str = "") -> DraftField:
    if fact is None:
        return DraftField(key, label, "", "", note="dokumenten anger inte detta")
    return DraftField(key, label, value if value is not None else (fact.value or fact.text), fact.source.cite(),
                      note=note)


def _sheet_or_blank(key: str, label: str, value: str, source: str, blank_note: str,
                    required: bool = True) -> DraftField:
    return DraftField(key, label, value, source, required=required, note="" if value else blank_note)


@dataclass(frozen=True)
class Amount:
    value: str
    source: str
    estimate: bool
    inputs: list[str]


def recipient_amount(kb: Any, recipient_id: str, year: int, agreement: str) -> Amount | None:
    """The recipient's published amount for the agreement, else the labelled estimate with its inputs."""
    pubs = [a for a in getattr(kb, "allocations", []) or []
            if a.recipient == recipient_id and a.year == year and a.agreement == agreement and a.post]
    if pubs:
        seen: dict[str, Any] = {}
        for a in pubs:
            seen.setdefault(a.post, a)
        total = sum((a.amount for a in seen.values()), Decimal(0))
        sources = "; ".join(dict.fromkeys(a.source.cite() for a in seen.values()))
        inputs = [f"{kb.posts[p].short if p in kb.posts else p}: {format_kr(a.amount)}" for p, a in seen.items()]
        return Amount(format_kr(total), sources, False, inputs if len(inputs) > 1 else [])
    from engine.estimates import estimate

    est = estimate(kb, recipient_id, year)
    if est is None:
        return None
    lines = [ln for ln in est.lines if kb.posts.get(ln.post_id) is None or kb.posts[ln.post_id].agreement == agreement]
    if not lines:
        return None
    total = sum((ln.amount for ln in lines), Decimal("0.00"))
    inputs = [f"{ln.post_name}: {format_kr(ln.amount, ore=True)} = {ln.inputs_text()}" for ln in lines]
    inputs.append(est.caveat)
    sources = "; ".join(dict.fromkeys(s.cite() for ln in lines for s in ln.sources))
    return Amount(f"{format_kr(total, ore=True)} (beräknat)", sources, True, inputs)


def _amount_field(key: str, label: str, amount: Amount | None) -> DraftField:
    if amount is None:
        return DraftField(key, label, "", "", note="dokumenten anger inget belopp och det går inte att beräkna")
    note = "; ".join(amount.inputs) if amount.estimate else ("; ".join(amount.inputs) if amount.inputs else "")
    return DraftField(key, label, amount.value, amount.source, estimate=amount.estimate,
                      note=("Beräknat av Stimulans ur fördelningsnyckeln: " + note) if amount.estimate else note)


def _estimate_notes(amount: Amount | None) -> list[str]:
    if amount is None or not amount.estimate:
        return []
    return [f"*** {ESTIMATE_BANNER} ***",
            "Dokumenten publicerar inget belopp för er. Beloppet nedan är beräknat av Stimulans ur "
            "fördelningsnyckeln; kontrollera det mot er tilldelning innan underlaget skickas.",
            "Underlag: " + " | ".join(amount.inputs)]


# ------------------------------------------------------------------ invoice


def invoice_years(kb: Any) -> list[int]:
    return sorted({f.year for f in getattr(kb, "facts", []) or [] if f.topic == "faktura_innehall" and f.year})


def _invoice_deadline(kb: Any, year: int) -> Any | None:
    return next((d for d in getattr(kb, "deadlines", []) or []
                 if str(d.kind) == "faktura" and d.date is not None and d.date.year == year), None)


def _year_or_latest(years: list[int], year: int | None, what: str) -> int:
    if not years:
        raise DraftError(f"Dokumenten beskriver ingen {what}.")
    if year is None:
        return years[-1]
    if year not in years:
        raise DraftError(f"Dokumenten beskriver ingen {what} för {year}; den finns för "
                         f"{', '.join(str(y) for y in years)}.")
    return year


@dataclass(frozen=True)
class Requirement:
    """One required element of an invoice and how to see it in a text."""

    key: str
    label: str
    source: str
    present: Callable[[str, str], bool]  # (text, folded text) -> bool


def _contains(value: str) -> Callable[[str, str], bool]:
    needle = re.sub(r"\s+", "", fold(value))
    return lambda text, folded: needle in re.sub(r"\s+", "", folded)


def _regex(pattern: str) -> Callable[[str, str], bool]:
    rx = re.compile(pattern)
    return lambda text, folded: rx.search(folded) is not None


def invoice_requirements(kb: Any, year: int | None = None) -> tuple[int, list[Requirement]]:
    """The elements the documents require on the invoice of `year` (latest if None)."""
    year = _year_or_latest(invoice_years(kb), year, "faktura")
    reqs: list[Requirement] = []
    for topic, key, label in (("faktura_text", "fakturatext", "Fakturatext"), ("faktura_dnr", "dnr", "Dnr"),
                              ("faktura_referens", "referens", "Referens")):
        f = _fact(kb, topic, year)
        if f is not None and f.value:
            reqs.append(Requirement(key, f"{label} ({f.value})", f.source.cite(), _contains(f.value)))
    content = _fact(kb, "faktura_innehall", year)
    src = content.source.cite() if content else ""
    reqs.append(Requirement("belopp", "Belopp", src, _regex(r"\d[\d .]*(,\d\d)? ?(kr|kronor|sek)\b")))
    reqs.append(Requirement("konto", "Konto för utbetalning (bankgiro/plusgiro/konto)", src,
                            _regex(r"(bankgiro|plusgiro|\bbg\b|\bpg\b|konto|iban)[^\n\d]{0,40}\d[\d \-]{3,}")))
    reqs.append(Requirement("anvandning", "Vad pengarna ska användas till", src,
                            _regex(r"(anvand|anvant|anvands)[^\n]*[:\-–][^\n]*[a-z]{3,}|anvands (till|for|i)")))
    moms = _fact(kb, "faktura_moms", year)
    if moms is not None:
        reqs.append(Requirement("moms", "Ingen moms (statligt bidrag)", moms.source.cite(),
                                _regex(r"(ingen|utan|ej|inte|ingen tillkommande|0 ?%) ?(moms|mervardesskatt)|"
                                       r"moms(fri|:? ?(0|ingen|nej))|momsfritt")))
    return year, reqs


@dataclass(frozen=True)
class CheckResult:
    year: int
    items: list[tuple[Requirement, bool]]

    @property
    def missing(self) -> list[Requirement]:
        return [r for r, ok in self.items if not ok]

    def lines(self) -> list[str]:
        out = [f"Kontroll mot kraven på fakturan {self.year}:"]
        for r, ok in self.items:
            out.append(f"  {'finns  ' if ok else 'SAKNAS '} {r.label}  (källa: {r.source})")
        out.append("Alla krav finns med." if not self.missing else
                   f"{len(self.missing)} av {len(self.items)} krav saknas: "
                   + ", ".join(r.label for r in self.missing) + ".")
        return out


def check_invoice_text(kb: Any, text: str, year: int | None = None) -> CheckResult:
    year, reqs = invoice_requirements(kb, year)
    # a draft's unfilled lines ("Konto …: [ATT FYLLA I]") do not count as present
    lines = [line for line in text.splitlines() if BLANK not in line]
    text = "\n".join(lines)
    folded = "\n".join(fold(line) for line in lines)  # fold() collapses newlines; keep them per line
    return CheckResult(year, [(r, bool(r.present(text, folded))) for r in reqs])


def invoice_available(kb: Any, recipient_id: str, year: int | None = None) -> bool:
    """Do the documents describe an invoice this recipient sends (for the latest year, or `year`)?"""
    years = invoice_years(kb)
    if not years or (year is not None and year not in years):
        return False
    r = kb.recipients.get(recipient_id)
    deadline = _invoice_deadline(kb, year or years[-1])
    return r is not None and (deadline is None or applies(kb, deadline.applies_to, r))


def invoice_draft(kb: Any, recipient_id: str, year: int | None = None, snapshot: Snapshot | None = None) -> Draft:
    year = _year_or_latest(invoice_years(kb), year, "faktura")
    r = _recipient(kb, recipient_id)
    deadline = _invoice_deadline(kb, year)
    if deadline is not None and not applies(kb, deadline.applies_to, r):
        raise DraftError(f"Fakturan {year} gäller {deadline.who}, inte {r.name}. "
                         "Prova `stimulans rekvisition` för en rekvisition.")
    content = _fact(kb, "faktura_innehall", year)
    agreement = content.agreement if content and content.agreement else (deadline.agreement if deadline else "")
    rows = _rows(snapshot, recipient_id, agreement)
    contact = _contact(snapshot, recipient_id)
    amount = recipient_amount(kb, recipient_id, year, agreement)

    contact_value, contact_src = _from_rows(rows, "contact")
    if not contact_value and contact is not None:
        contact_value = ", ".join(x for x in (contact.name, contact.email) if x)
        contact_src = f"arket: Kontakter rad {contact.row}"
    orgnr, orgnr_src = _from_rows(rows, extra="orgnr")
    konto, konto_src = _from_rows(rows, extra="bankgiro")
    use, use_src = _from_rows(rows, "planned_use")
    receiver = _fact(kb, "faktura_adress", year)
    epost = _fact(kb, "faktura_epost", year)
    content_src = content.source.cite() if content else ""
    fields = [
        _kb_field("fakturamottagare", "Fakturamottagare (postadress)", receiver),
        _kb_field("epost", "Skicka e-faktura till", epost),
        DraftField("avsandare", "Fakturerande part", r.name, "kunskapsbasen: mottagarregistret "
                   "(config/data/municipalities.csv)"),
        _sheet_or_blank("orgnr", "Organisationsnummer", orgnr, orgnr_src, "finns inte i dokumenten eller arket"),
        _sheet_or_blank("kontaktperson", "Kontaktperson", contact_value, contact_src,
                        "fyll i, eller lägg till kontakten i fliken Kontakter"),
        _kb_field("fakturatext", "Fakturatext", _fact(kb, "faktura_text", year)),
        _kb_field("dnr", "Dnr", _fact(kb, "faktura_dnr", year)),
        _kb_field("referens", "Referens (punkt 1)", _fact(kb, "faktura_referens", year)),
        _amount_field("belopp", "Belopp (punkt 2)", amount),
        _kb_field("moms", "Moms", _fact(kb, "faktura_moms", year),
                  value="Ingen moms – statligt bidrag, endast tilldelad summa faktureras"),
        _sheet_or_blank("konto", "Konto för utbetalning (punkt 3, bankgiro/plusgiro)", konto, konto_src,
                        "finns inte i dokumenten eller arket"),
        _sheet_or_blank("anvandning", "Vad pengarna ska användas till (punkt 4)", use, use_src,
                        "fyll i, eller skriv planerad användning i fliken Rekvisitioner"),
    ]
    if deadline is not None and deadline.date is not None:
        fields.append(DraftField("sista_dag", "Senast", f"{format_date(deadline.date)} ({deadline.task()})",
                                 deadline.source.cite(), required=False))
    title = f"Fakturaunderlag {year}: {r.name} till {receiver.value.split(',')[0] if receiver and receiver.value else 'mottagaren'}"
    notes = _estimate_notes(amount)
    notes.append(f"Kraven kommer från {content_src or 'dokumenten'}. Varje fält anger sin källa.")
    return Draft("faktura", title, r.id, r.name, year, agreement, fields, notes, bool(amount and amount.estimate))


# ------------------------------------------------------------------ requisition (2019 Bilaga 1)


def requisition_years(kb: Any) -> list[int]:
    return sorted({f.year for f in getattr(kb, "facts", []) or [] if f.topic == "rekvisition_formular" and f.year})


_ITEM = re.compile(r"^\s*(\d+)\.\s*([^:]+):\s*(.*)$")


def _split_items(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch in ",;" and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return [p for p in parts if p]


def form_sections(fact: Any) -> list[tuple[str, list[str]]]:
    """[("Kontaktuppgifter", ["bidragsmottagare", "organisationsnummer", …]), …] from a form fact's items."""
    out = []
    for item in fact.items:
        m = _ITEM.match(item)
        if not m:
            continue
        head, rest = m.group(2).strip(), m.group(3)
        fields = []
        for part in _split_items(rest):
            # "bidragstagaren intygar att …; datum" → keep the fillable words, the assertion is a statement
            fields.append(part)
        out.append((head, fields))
    return out


def requisition_draft(kb: Any, recipient_id: str, year: int | None = None,
                      snapshot: Snapshot | None = None) -> Draft:
    year = _year_or_latest(requisition_years(kb), year, "rekvisitionsblankett")
    r = _recipient(kb, recipient_id)
    form = _fact(kb, "rekvisition_formular", year)
    agreement_id = form.agreement or ""
    agreement = getattr(kb, "agreements", {}).get(agreement_id)
    rows = _rows(snapshot, recipient_id, agreement_id)
    contact = _contact(snapshot, recipient_id)
    amount = recipient_amount(kb, recipient_id, year, agreement_id)
    src = form.source.cite()
    contact_value, contact_src = _from_rows(rows, "contact")
    if not contact_value and contact is not None:
        contact_value, contact_src = contact.name, f"arket: Kontakter rad {contact.row}"
    orgnr, orgnr_src = _from_rows(rows, extra="orgnr")
    konto, konto_src = _from_rows(rows, extra="bankgiro")
    ref, ref_src = _from_rows(rows, "reference")
    known: dict[str, tuple[str, str, str]] = {  # folded field name start -> (value, source, note)
        "bidragsmottagare": (r.name, "kunskapsbasen: mottagarregistret", ""),
        "organisationsnummer": (orgnr, orgnr_src, ""),
        "kontaktperson": (contact_value, contact_src, ""),
        "e-postadress": ((contact.email if contact else ""), f"arket: Kontakter rad {contact.row}" if contact else "",
                         ""),
        "overenskommelsens benamning": ((agreement.name if agreement else ""),
                                        agreement.source.cite() if agreement else "", ""),
        "perioden rekvisitionen avser": (str(year), agreement.source.cite() if agreement else src,
                                         "överenskommelsens år"),
        "bankgiro/plusgiro": (konto, konto_src, ""),
        "onskad betalningsreferens": (ref, ref_src, ""),
    }
    fields: list[DraftField] = []
    n = 0
    for head, names in form_sections(form):
        for name in names:
            n += 1
            key = fold(name)
            label = f"{head}: {name[0].upper()}{name[1:]}"
            if key.startswith("belopp"):
                f = _amount_field(f"f{n}", label, amount)
            elif key in known:
                value, vsrc, note = known[key]
                f = DraftField(f"f{n}", label, value, vsrc or ("" if not value else src),
                               note=note if value else "finns inte i dokumenten eller arket")
            elif "intygar" in key:
                f = DraftField(f"f{n}", f"{head}: Intygande", name, src, required=False,
                               note="intygas genom underskriften")
            else:
                why = ("dokumenten anger inte diarienumret" if "diarienummer" in key else
                       "fylls i för hand" if key in ("datum", "underskrift", "namnfortydligande") else
                       "finns inte i dokumenten eller arket")
                f = DraftField(f"f{n}", label, "", "", note=why)
            fields.append(f)
    deadline = next((d for d in getattr(kb, "deadlines", []) or []
                     if str(d.kind) == "rekvisition" and d.agreement == agreement_id), None)
    if deadline is not None and deadline.date is not None:
        fields.append(DraftField("sista_dag", "Senast", f"{format_date(deadline.date)}: {deadline.who} ska "
                                 f"{deadline.task()}", deadline.source.cite(), required=False,
                                 note=deadline.consequence or ""))
    title = f"Rekvisition av bidrag {year} (Bilaga 1): {r.name}"
    notes = _estimate_notes(amount)
    notes.append(f"Fälten följer formuläret Rekvisition av bidrag i {src}. Varje fält anger sin källa.")
    if deadline is not None and not applies(kb, deadline.applies_to, r):
        notes.append(f"Obs: enligt överenskommelsen rekvirerar {deadline.who} medlen; kontrollera att ni "
                     "ska skicka en egen rekvisition.")
    return Draft("rekvisition", title, r.id, r.name, year, agreement_id, fields, notes,
                 bool(amount and amount.estimate))
