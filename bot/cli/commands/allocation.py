"""`stimulans verify` and `stimulans fördelning <post> <år> [län]` (thin over engine.allocation)."""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from engine.allocation import (
    AllocationError,
    AllocationResult,
    Part,
    Rounding,
    Unit,
    allocate,
    county_pot_plan,
    county_pots,
    plan_for_post,
)
from engine.formatting import (
    format_date,
    format_kr,
    format_kr_with_mkr,
    format_number,
    format_percent,
)
from engine.models import Level
from engine.text import fold, words

ROUNDING_CHOICES = {"ore": Rounding.ORE_HALF_UP, "storsta-rest": Rounding.LARGEST_REMAINDER}
_LEVEL_WORDS = {
    "kommun": Level.kommun, "kommuner": Level.kommun, "kommunerna": Level.kommun, "kommunal": Level.kommun,
    "region": Level.region, "regioner": Level.region, "regionerna": Level.region, "landsting": Level.region,
    "lan": Level.lan, "lanen": Level.lan, "lansgemensam": Level.lan, "lansgemensamma": Level.lan,
}


def _cli_error(message: str) -> Exception:
    from bot.cli import CliError

    return CliError(message)


def _load_kb(directory: str | None):
    from engine.knowledge import load_knowledge

    return load_knowledge(directory=Path(directory)) if directory else load_knowledge()


# ------------------------------------------------------------------------------------------------ verify


def cmd_verify(args: argparse.Namespace) -> int:
    from engine.allocation_verify import TOLERANCE, verify

    tolerance = TOLERANCE
    if args.tolerans is not None:
        from engine.parsing import ParseError

        try:
            tolerance = Decimal(args.tolerans.replace(",", ".").rstrip("% ")) / 100
        except ArithmeticError:
            raise ParseError(f"”{args.tolerans}” är ingen tolerans i procent (t.ex. 0,5)") from None
        if not 0 <= tolerance <= 1:
            raise ParseError(f"--tolerans ska vara mellan 0 och 100 procent, inte ”{args.tolerans}” (t.ex. 0,5)")
    report = verify(_load_kb(args.kunskap), tolerance=tolerance)
    lines = report.lines()
    if args.bara_fel:
        lines = [ln for ln in lines if not ln.startswith("  ") or ln.lstrip().split(" ")[0] in
                 ("AVVIKELSE", "OFÖRKLARAD")]
    print("\n".join(lines))
    return 0 if report.ok else 1


# ------------------------------------------------------------------------------------------------ fördelning


def resolve_post(kb, query: str, year: int):
    """A post id, or a name/synonym matched diacritic-insensitively among the year's posts; a word like
    "kommun", "region" or "län" narrows by level."""
    if query in kb.posts:
        post = kb.posts[query]
        if post.year != year:
            raise _cli_error(f"Posten {query} gäller {post.year}, inte {year}.")
        return post
    toks = words(query)
    levels = {_LEVEL_WORDS[t] for t in toks if t in _LEVEL_WORDS}
    rest = " ".join(t for t in toks if t not in _LEVEL_WORDS)
    candidates = [p for p in kb.posts.values() if p.year == year and (not levels or p.level in levels)]
    if not candidates:
        raise _cli_error(f"Inga poster finns för {year}.")
    if not rest:
        raise _cli_error("Ange vilken post, t.ex. ”suicidprevention” eller ett post-id.")
    scored: list[tuple[int, str]] = []
    for p in candidates:
        names = [fold(n) for n in (p.short, p.name, *p.synonyms, p.id.split("-", 2)[-1].replace("-", " "))]
        score = 0
        for n in names:
            if rest == n:
                score = max(score, 3)
            elif n.startswith(rest) or f" {rest}" in f" {n}":
                score = max(score, 2)
            elif len(n) >= 4 and n in rest:
                score = max(score, 1)
        if score:
            scored.append((score, p.id))
    if not scored:
        names = ", ".join(sorted(f"{p.id} ({p.short})" for p in candidates))
        raise _cli_error(f"Hittar ingen post ”{query}” för {year}. Poster: {names}")
    best = max(s for s, _ in scored)
    ids = sorted(pid for s, pid in scored if s == best)
    if len(ids) > 1:
        raise _cli_error(f"”{query}” passar flera poster {year}: {', '.join(ids)}. Ange post-id eller lägg till "
                         "kommun/region/län.")
    return kb.posts[ids[0]]


def resolve_county(kb, arg: str) -> str:
    s = arg.strip()
    if s.isdigit():
        code = s.zfill(2)
        if f"lan-{code}" in kb.recipients:
            return code
        raise _cli_error(f"Okänd länskod ”{arg}”.")
    q = fold(s).removesuffix(" lan").removeprefix("region ")
    lans = [r for r in kb.recipients.values() if str(r.kind) == "lan"]
    for exact in (True, False):
        hits = []
        for r in lans:
            names = [fold(n) for n in (r.short, r.name, *r.aliases)]
            if any(q == n for n in names) or (not exact and any(n.startswith(q) for n in names)):
                hits.append(r)
        if len(hits) == 1:
            return hits[0].code
        if len(hits) > 1:
            raise _cli_error(f"”{arg}” passar flera län: {', '.join(r.name for r in hits)}.")
    raise _cli_error(f"Hittar inget län ”{arg}”. Ange länskod (t.ex. 20) eller namn (t.ex. Dalarna).")


@dataclass
class Row:
    recipient_id: str
    name: str
    code: str
    county: str
    part: Part
    amount: Decimal
    kind: str  # "beräknad" / "publicerad"
    source: str


def _rows(kb, post, result: AllocationResult, county: str | None) -> list[Row]:
    published = {a.recipient: a for a in kb.allocations if a.post == post.id}
    parts = result.for_county(county) if county and result.plan.county is None else result.parts
    out = []
    for p in parts:
        if result.plan.unit == Unit.kommun:
            rid = f"kommun-{p.code}"
        elif post.level == Level.region:
            rid = f"region-{p.code}"
        else:
            rid = f"lan-{p.code}"
        rec = kb.recipients.get(rid)
        lan = kb.recipients.get(f"lan-{p.county_code}")
        pub = published.get(rid)
        src = pub.source.cite() if pub else f"Stimulans beräkning ({result.plan.description}; " + (
            f"{result.table.source})" if result.table else "fast belopp)")
        out.append(Row(rid, rec.name if rec else p.name, p.code, lan.name if lan else p.county_code, p,
                       pub.amount if pub else p.amount, "publicerad" if pub else "beräknad", src))
    return out


def _print_table(post, year: int, result: AllocationResult, rows: list[Row], county_name: str | None) -> None:
    plan = result.plan
    where = county_name or "hela riket"
    print(f"{post.short} {year} ({post.id}), {where}: pott {format_kr_with_mkr(plan.pot)}; nyckel: "
          f"{plan.description.rstrip('.')}")
    if result.table is not None:
        exact = "samma datum som nyckeln" if result.table_exact else (
            f"nyckelns datum {format_date(plan.key_date)} saknas, närmaste tabell" if plan.key_date else
            "nyckeln anger inget datum")
        print(f"Befolkning: {result.table.source} ({exact}); avrundning: {result.rounding.value}")
    print("Belopp märkta ”beräknad” är beräknade av Stimulans, inte publicerade belopp.")
    name_w = max([len(r.name) for r in rows] + [10])
    print(f"{'Mottagare':<{name_w}}  {'Kod':<4}  {'Underlag':>10}  {'Andel':>9}  {'Belopp':>20}  {'Avrundat':>14}  Typ")
    for r in rows:
        w = format_number(r.part.weight) if r.part.weight is not None else "–"
        share = format_percent(Decimal(r.part.share.numerator) / Decimal(r.part.share.denominator), 3) \
            if r.part.share is not None else "–"
        print(f"{r.name:<{name_w}}  {r.code:<4}  {w:>10}  {share:>9}  {format_kr(r.amount, ore=True):>20}  "
              f"{format_kr(r.part.rounded_kr if r.kind == 'beräknad' else r.amount, ore=False):>14}  {r.kind}")
    total = sum((r.amount for r in rows), Decimal("0.00"))
    label = f"Summa ({len(rows)} {'kommuner' if plan.unit == Unit.kommun else 'län'})"
    line = f"{label}: {format_kr(total, ore=True)}"
    if len(rows) == len(result.parts):
        diff = total - plan.pot
        line += f" (potten {format_kr(plan.pot, ore=True)}" + (
            f"; skillnad {format_kr(diff, ore=True)} genom öresavrundning)" if diff else "; exakt)")
    print(line)


_CSV_FORMULA_START = ("=", "+", "-", "@")
_CSV_CONTROL_START = ("\t", "\r", "\n")
#: spreadsheet programs skip these before a formula sign: whitespace (NBSP included) and invisible marks
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def csv_cell(value: object) -> object:
    """A CSV cell that Excel/LibreOffice/Sheets cannot run as a formula: text starting with = + - @ —
    also after leading whitespace, a newline, a non-breaking or zero-width space — or with a tab, CR or
    newline gets a leading apostrophe. Numbers are left as numbers."""
    if isinstance(value, str) and (value.startswith(_CSV_CONTROL_START) or value.lstrip().lstrip(
            _INVISIBLE).lstrip().startswith(_CSV_FORMULA_START)):
        return "'" + value
    return value


def _write_csv(rows: list[Row], post, year: int, result: AllocationResult, target: str, dialect=None) -> None:
    """The split as CSV through the export writer (Swedish Excel dialect unless --csv-dialekt standard)."""
    from bot.cli.commands.exports import DIALECTS, write_csv

    headers = ["mottagare_id", "mottagare", "kod", "lan", "overenskommelse", "ar", "post", "underlag",
               "underlag_totalt", "andel", "belopp", "avrundat", "typ", "nyckel", "befolkningstabell", "avrundning"]
    kinds = ["text", "text", "text", "text", "text", "int", "text", "int", "int", "decimal", "amount", "text",
             "text", "text", "text", "text"]
    out = []
    for r in rows:
        share = r.part.share
        out.append([r.recipient_id, r.name, r.code, r.county, post.agreement, year, post.id,
                    r.part.weight, r.part.weight_total,
                    None if share is None else
                    (Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("1e-10")),
                    r.amount, f"{r.part.rounded_kr if r.kind == 'beräknad' else r.amount:.0f}", r.kind,
                    result.plan.description, result.table.source if result.table else "", result.rounding.value])
    write_csv(headers, kinds, out, target, dialect or DIALECTS["svensk"])
    if target != "-":
        print(f"Skrev {len(rows)} {'rad' if len(rows) == 1 else 'rader'} till {target}")


def compute_split(kb, post, year: int, county: str | None, rounding: Rounding) -> AllocationResult:
    if post.level == Level.lan and county:
        pots = [c for c in county_pots(kb, year, county) if c.post_id == post.id]
        if pots:
            return allocate(county_pot_plan(kb, pots[0]), rounding=rounding)
    try:
        plan = plan_for_post(kb, post)
    except AllocationError as e:
        raise _cli_error(f"Kan inte räkna fram fördelningen: {e}.") from None
    return allocate(plan, rounding=rounding, fallback_date=dt.date(year, 1, 1))


def cmd_fordelning(args: argparse.Namespace) -> int:
    try:
        return _fordelning(args)
    except BrokenPipeError:  # output piped into e.g. `head`
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _fordelning(args: argparse.Namespace) -> int:
    kb = _load_kb(args.kunskap)
    try:
        year = int(args.ar)
    except ValueError:
        raise _cli_error(f"”{args.ar}” är inget år (t.ex. 2021).") from None
    post = resolve_post(kb, args.post, year)
    county = resolve_county(kb, args.lan) if args.lan else None
    try:
        result = compute_split(kb, post, year, county, ROUNDING_CHOICES[args.avrundning])
    except Exception as e:  # AllocationError, or the CliError compute_split raises for the same reason
        from bot.cli import CliError

        if not isinstance(e, AllocationError | CliError):
            raise
        published = _published_rows(kb, post, year, county)
        if not published:
            if isinstance(e, CliError):
                raise
            raise _cli_error(f"Kan inte räkna fram fördelningen: {e}.") from None
        return _print_published(kb, post, year, county, published, args)
    rows = _rows(kb, post, result, county)
    county_name = kb.recipients[f"lan-{county}"].name if county else None
    if args.csv:
        _write_csv(rows, post, year, result, args.csv, args.csv_dialekt)
    if not args.csv or args.csv != "-":
        _print_table(post, year, result, rows, county_name)
    if args.to_sheet:
        from bot.runtime import get_store
        from engine.store import SheetAllocation

        sheet_rows = [SheetAllocation(recipient_id=r.recipient_id, recipient_name=r.name, code=r.code,
                                      county=r.county, agreement=post.agreement, year=year, post=post.id,
                                      amount=r.amount, kind=r.kind, source=r.source) for r in rows]
        actor = args.aktor or f"cli:{getpass.getuser()}"
        n = get_store().write_allocations(sheet_rows, actor)
        print(f"Skrev {n} {'rad' if n == 1 else 'rader'} till fliken Tilldelning (av {len(sheet_rows)}; publicerade belopp skrivs aldrig över).")
    return 0


def _published_rows(kb, post, year: int, county: str | None) -> list:
    """The document's own table for the post (and county), when the split cannot be computed."""
    rows = []
    for a in kb.allocations:
        rec = kb.recipients.get(a.recipient)
        if a.post != post.id or a.year != year or rec is None:
            continue
        if county is None or rec.county_code == county or rec.code == county:
            rows.append(a)
    return rows


def _print_published(kb, post, year: int, county: str | None, published: list, args: argparse.Namespace) -> int:
    """Fallback: the documents state neither the pot nor the key, but they publish the table itself."""
    where = kb.recipients[f"lan-{county}"].name if county else "hela riket"
    sources = "; ".join(dict.fromkeys(a.source.cite() for a in published))
    lines = [f"{post.short} {year} ({post.id}), {where}: dokumenten anger varken pott eller fördelningsnyckel, "
             f"så fördelningen kan inte räknas fram. Visar den publicerade tabellen ({sources}).",
             "Kör `stimulans verify` för den pott som tabellen motsvarar (härledd, inte publicerad)."]
    name_w = max([len(kb.recipients[a.recipient].name) for a in published] + [10])
    lines.append(f"{'Mottagare':<{name_w}}  {'Kod':<4}  {'Belopp':>20}  Typ")
    for a in published:
        rec = kb.recipients[a.recipient]
        lines.append(f"{rec.name:<{name_w}}  {rec.code or '':<4}  {format_kr(a.amount, ore=True):>20}  publicerad")
    total = sum((a.amount for a in published), Decimal("0.00"))
    lines.append(f"Summa ({len(published)} rader): {format_kr(total, ore=True)}")
    if args.csv:
        from bot.cli.commands.exports import DIALECTS, write_csv

        headers = ["mottagare_id", "mottagare", "kod", "overenskommelse", "ar", "post", "belopp", "typ", "kalla"]
        kinds = ["text", "text", "text", "text", "int", "text", "amount", "text", "text"]
        out = [[kb.recipients[a.recipient].id, kb.recipients[a.recipient].name, kb.recipients[a.recipient].code or "",
                post.agreement, year, post.id, a.amount, "publicerad", a.source.cite()] for a in published]
        write_csv(headers, kinds, out, args.csv, args.csv_dialekt or DIALECTS["svensk"])
        if args.csv == "-":
            return 0
        lines.append(f"Skrev {len(published)} {'rad' if len(published) == 1 else 'rader'} till {args.csv}")
    if args.to_sheet:
        lines.append("Inget skrivet till arket: publicerade belopp finns redan i fliken Tilldelning "
                     "(`stimulans init-sheet` lägger in dem).")
    print("\n".join(lines))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser("verify", help="räkna om publicerade belopp ur fördelningsnycklarna och flagga avvikelser")
    v.add_argument("--tolerans", help="tillåten avvikelse i procent (standard 0,5)")
    v.add_argument("--bara-fel", action="store_true", help="visa bara avvikande och oförklarade rader")
    v.add_argument("--kunskap", help="katalog med kunskapsbasen (standard config/knowledge)")
    v.set_defaults(func=cmd_verify)

    f = sub.add_parser("fördelning", aliases=["fordelning"],
                       help="hela fördelningen av en post för riket eller ett län (beräknad, med summarad)")
    f.add_argument("post", help="post-id eller namn, t.ex. ok2021-lan-suicidprevention eller ”suicidprevention”")
    f.add_argument("ar", metavar="år", help="år, t.ex. 2021")
    f.add_argument("lan", metavar="län", nargs="?", help="län: kod eller namn (t.ex. 20 eller Dalarna)")
    f.add_argument("--csv", metavar="FIL", help="skriv fördelningen som CSV (”-” = standard ut)")
    from bot.cli.commands.exports import add_dialect_option

    add_dialect_option(f)
    f.add_argument("--to-sheet", action="store_true", help="skriv raderna till fliken Tilldelning i arket")
    f.add_argument("--aktor", help="vem som skriver till arket (för loggen)")
    f.add_argument("--avrundning", choices=sorted(ROUNDING_CHOICES), default="ore",
                   help="ore: varje del avrundas till öre (som dokumenten); storsta-rest: delarna summerar exakt")
    f.add_argument("--kunskap", help="katalog med kunskapsbasen (standard config/knowledge)")
    f.set_defaults(func=cmd_fordelning)
