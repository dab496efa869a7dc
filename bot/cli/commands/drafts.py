"""`stimulans faktura <mottagare>`, `stimulans faktura --kontrollera FIL`, `stimulans rekvisition <mottagare>`.

Thin: the content comes from engine.drafts, the file formats from sheets.outputs.
"""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

log = logging.getLogger(__name__)


def _cli_error(message: str) -> Exception:
    from bot.cli import CliError

    return CliError(message)


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        year = int(raw)
    except ValueError:
        raise _cli_error(f"”{raw}” är inget år (t.ex. --år 2020).") from None
    return year


def resolve_recipient(kb: Any, text: str) -> Any:
    from engine.sheet.rows import Lookup

    text = text.strip()
    rec = Lookup(kb).recipient(text, text if text.isdigit() else "") if text else None
    if rec is None:
        raise _cli_error(f"Känner inte igen mottagaren ”{text}” (skriv en kommun, region eller kod, t.ex. Danderyd).")
    return rec


def _snapshot():
    """The sheet's snapshot for the fields only the sheet knows; None (blanks) when it cannot be read."""
    try:
        from bot.runtime import get_store

        return get_store().snapshot()
    except Exception as e:  # noqa: BLE001 - a draft without sheet fields is still useful
        log.warning("arket kunde inte läsas: %s", e)
        print(f"(Arket kunde inte läsas; fält från arket lämnas tomma: {e})", file=sys.stderr)
        return None


def build_draft(kind: str, kb: Any, recipient_id: str, year: int | None, snapshot: Any) -> Any:
    from engine.drafts import DraftError, invoice_draft, requisition_draft

    make = invoice_draft if kind == "faktura" else requisition_draft
    try:
        return make(kb, recipient_id, year, snapshot)
    except DraftError as e:
        raise _cli_error(str(e)) from None


def _emit(draft: Any, fmt: str | None, target: str | None) -> None:
    from sheets.outputs import OutputError, format_for, render_draft, write_bytes

    fmt = format_for(target, fmt)
    try:
        data = render_draft(draft, fmt)
        if not target or target == "-":
            if fmt != "txt":
                raise _cli_error(f"Formatet {fmt} kräver --ut FIL.")
            sys.stdout.write(data.decode("utf-8"))
            return
        write_bytes(target, data)
    except OutputError as e:
        raise _cli_error(str(e)) from None
    blanks = len(draft.blanks)
    print(f"Skrev {draft.title} ({fmt}) till {target}"
          + (f"; {blanks} fält att fylla i" if blanks else "")
          + ("; OBS: beloppet är beräknat, inte publicerat" if draft.estimate else ""))


def cmd_faktura(args: argparse.Namespace) -> int:
    from engine.knowledge import load_knowledge

    kb = load_knowledge()
    year = _year(args.ar)
    if args.kontrollera:
        from engine.drafts import DraftError, check_invoice_text
        from sheets.outputs import OutputError, read_document_text

        try:
            text = read_document_text(args.kontrollera)
            result = check_invoice_text(kb, text, year)
        except (OutputError, DraftError) as e:
            raise _cli_error(str(e)) from None
        print("\n".join(result.lines()))
        return 1 if result.missing else 0
    if not args.mottagare:
        raise _cli_error("Ange mottagare (t.ex. stimulans faktura Danderyd) eller --kontrollera FIL.")
    rec = resolve_recipient(kb, " ".join(args.mottagare))
    _emit(build_draft("faktura", kb, rec.id, year, _snapshot()), args.format, args.ut)
    return 0


def cmd_rekvisition(args: argparse.Namespace) -> int:
    from engine.knowledge import load_knowledge

    kb = load_knowledge()
    rec = resolve_recipient(kb, " ".join(args.mottagare))
    _emit(build_draft("rekvisition", kb, rec.id, _year(args.ar), _snapshot()), args.format, args.ut)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    f = sub.add_parser("faktura", help="fakturaunderlag för en mottagare, eller --kontrollera en faktura",
                       description="Ett fakturaunderlag med alla uppgifter som dokumenten kräver, var och en med "
                                   "källa. Belopp: det publicerade, annars ett tydligt märkt beräknat belopp med "
                                   "underlag. Uppgifter som bara arket kan veta hämtas från Kontakter/Rekvisitioner "
                                   "eller lämnas som [ATT FYLLA I].")
    f.add_argument("mottagare", nargs="*", help="kommun, region eller kod, t.ex. Danderyd")
    f.add_argument("--år", "--ar", dest="ar", metavar="ÅR", help="år (standard: senaste året med fakturaregler)")
    f.add_argument("--format", choices=["docx", "pdf", "txt"], help="filformat (standard: från --ut, annars txt)")
    f.add_argument("--ut", metavar="FIL", help="skriv till fil (annars standard ut, txt)")
    f.add_argument("--kontrollera", metavar="FIL",
                   help="läs en faktura (txt/docx/pdf) och visa vilka krav som finns eller saknas; exit 1 om något saknas")
    f.set_defaults(func=cmd_faktura)

    r = sub.add_parser("rekvisition", help="rekvisitionsunderlag (Bilaga 1) för en mottagare",
                       description="Fälten i formuläret Rekvisition av bidrag (Bilaga 1, 2019), ifyllda ur "
                                   "kunskapsbasen och arket, övriga som [ATT FYLLA I].")
    r.add_argument("mottagare", nargs="+", help="kommun, region eller kod")
    r.add_argument("--år", "--ar", dest="ar", metavar="ÅR", help="år (standard: senaste året med blankett)")
    r.add_argument("--format", choices=["docx", "pdf", "txt"], help="filformat (standard: från --ut, annars txt)")
    r.add_argument("--ut", metavar="FIL", help="skriv till fil (annars standard ut, txt)")
    r.set_defaults(func=cmd_rekvisition)
