"""`stimulans export status|tilldelning|frister [--län …] [--xlsx FIL] [--csv FIL|-] [--csv-dialekt …]`.

Excel files get real formats (sheets/exports.py). CSV defaults to the dialect Swedish Excel opens
directly: `;` between fields, decimal comma, UTF-8 with BOM; `--csv-dialekt standard` gives `,`,
decimal point and no BOM for machines. `fördelning --csv` uses the same writer. Text cells pass through
the one neutralising function (bot.cli.commands.allocation.csv_cell), so nothing becomes a formula.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class CsvDialect:
    name: str
    delimiter: str
    decimal: str
    bom: bool


DIALECTS = {
    "svensk": CsvDialect("svensk", ";", ",", True),
    "standard": CsvDialect("standard", ",", ".", False),
}
DIALECT_ALIASES = {"svensk": "svensk", "sv": "svensk", "excel": "svensk", "standard": "standard",
                   "maskin": "standard", "rfc4180": "standard"}


def dialect_arg(raw: str) -> CsvDialect:
    key = DIALECT_ALIASES.get(raw.strip().lower())
    if key is None:
        raise argparse.ArgumentTypeError(f"okänd CSV-dialekt ”{raw}” (välj svensk eller standard)")
    return DIALECTS[key]


def add_dialect_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv-dialekt", dest="csv_dialekt", type=dialect_arg, default=DIALECTS["svensk"],
                        metavar="svensk|standard",
                        help="svensk (standard): ; och decimalkomma, UTF-8 med BOM för svenska Excel; "
                             "standard: , och decimalpunkt, utan BOM")


def csv_value(value: Any, kind: str, dialect: CsvDialect) -> Any:
    from bot.cli.commands.allocation import csv_cell

    if value is None:
        return ""
    if isinstance(value, Decimal) or (isinstance(value, float) and kind in ("amount", "decimal")):
        text = f"{Decimal(value):.2f}" if kind == "amount" else format(Decimal(value), "f")
        return text.replace(".", dialect.decimal)
    if isinstance(value, bool):
        return csv_cell(str(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return csv_cell(str(value))


def csv_text(headers: list[str], kinds: list[str], rows: list[list[Any]], dialect: CsvDialect) -> str:
    from bot.cli.commands.allocation import csv_cell

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([csv_value(v, k, dialect) for v, k in zip(row, kinds, strict=False)])
    return ("\ufeff" if dialect.bom else "") + buf.getvalue()


def write_csv(headers: list[str], kinds: list[str], rows: list[list[Any]], target: str, dialect: CsvDialect) -> None:
    """Write to a file (UTF-8, BOM in the Swedish dialect) or to standard out ("-")."""
    text = csv_text(headers, kinds, rows, dialect)
    if target == "-":
        sys.stdout.write(text)
        return
    try:
        with open(target, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        from bot.cli import CliError
        from engine.formatting import describe_os_error

        raise CliError(f"Kan inte skriva CSV-filen {target}: {describe_os_error(e)}") from None


# ------------------------------------------------------------------ the export command


def frister_tab(tabs: Any) -> Any | None:
    """The tab schema's Frister tab (added by the tab schema work), or None while it does not exist."""
    return next((t for t in tabs if t.name.lower() == "frister" or str(t) == "Frister"), None)


def _tables(kind: str, kb: Any, store: Any, county: str | None) -> list[Any]:
    from bot.cli import CliError
    from engine import store as store_module
    from engine.exports import allocation_table, status_table, table_from_grid

    if kind == "status":
        return [status_table(kb, store.snapshot(), county)]
    if kind == "tilldelning":
        return [allocation_table(kb, store.snapshot(), county)]
    tab = frister_tab(store_module.Tab)
    if tab is None:
        raise CliError("Exporten frister hoppas över: arkets flik Frister finns inte i den här versionen "
                       "(fliken läggs till med arkets nya flikschema). Kommande deadlines: `stimulans påminnelser`.")
    from sheets.backend import column_kind

    backend = getattr(store, "backend", None)
    grid = (backend.read_tabs([str(tab)]) if backend is not None else {}).get(str(tab))
    if not grid:
        raise CliError(f"Fliken {tab} är tom eller saknas; kör `stimulans init-sheet`.")
    kinds = {str(h): column_kind(str(tab), str(h)) or "text" for h in grid[0] if h}
    kinds = {h: ("amount" if k == "amount" else "date" if k == "date" else "text") for h, k in kinds.items()}
    table = table_from_grid(str(tab), grid, kinds)
    if county:  # a Län column (name or code) narrows the rows when the tab has one
        idx = next((i for i, c in enumerate(table.columns) if c.header in ("Län", "Länskod")), None)
        lan = kb.recipients.get(f"lan-{county}")
        names = {county, lan.name if lan else "", lan.short if lan else ""}
        if idx is not None:
            table.rows = [r for r in table.rows if str(r[idx]).strip() in names]
    return [table]


def cmd_export(args: argparse.Namespace) -> int:
    from bot.cli import CliError
    from bot.cli.commands.allocation import resolve_county
    from bot.runtime import get_store

    store = get_store()
    kb = getattr(store, "kb", None)
    if kb is None:
        from engine.knowledge import load_knowledge

        kb = load_knowledge()
    county = resolve_county(kb, args.lan) if args.lan else None
    tables = _tables(args.vad, kb, store, county)
    if args.xlsx:
        from sheets.exports import ExportError, write_xlsx

        try:
            write_xlsx(tables, args.xlsx)
        except ExportError as e:
            raise CliError(str(e)) from None
        print(f"Skrev {sum(len(t.rows) for t in tables)} rader till {args.xlsx} (Excel)")
    if args.csv or not args.xlsx:
        target = args.csv or "-"
        table = tables[0]
        write_csv(table.headers, [c.kind for c in table.columns], table.rows, target, args.csv_dialekt)
        if target != "-":
            print(f"Skrev {len(table.rows)} rader till {target} (CSV, {args.csv_dialekt.name})")
    for note in (n for t in tables for n in t.notes):
        print(note, file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export", help="exportera status, tilldelning eller frister till Excel (.xlsx) eller CSV",
                       description="Exporterar en tabell. --xlsx skriver en riktig Excel-fil (SEK- och datumformat, "
                                   "låst rubrikrad, filter, kolumnbredder). Utan --xlsx skrivs CSV till standard ut "
                                   "(eller --csv FIL) i svensk Excel-dialekt.")
    e.add_argument("vad", choices=["status", "tilldelning", "frister"], help="vilken tabell")
    e.add_argument("--län", "--lan", dest="lan", metavar="LÄN", help="bara ett län (kod eller namn)")
    e.add_argument("--xlsx", metavar="FIL", help="skriv en Excel-fil")
    e.add_argument("--csv", metavar="FIL", help="skriv CSV till FIL (”-” = standard ut)")
    add_dialect_option(e)
    e.set_defaults(func=cmd_export)

