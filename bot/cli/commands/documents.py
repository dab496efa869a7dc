"""`stimulans dokument lägg-till|lista|visa|ta-bort|granska`: the document library.

Bad input (no text layer, encrypted, too large, not the format it claims, empty, a duplicate) gives
one clear line and exit code 2; nothing is stored.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys

from bot.cli import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dokument", help="dokumentbiblioteket: lägg till, lista, visa, ta bort, granska utkast",
                       description="Lägg till avtal, PM och andra dokument (.pdf, .docx, .txt, .md) så att "
                                   "Stimulans kan citera dem och föreslå strukturerade uppgifter ur dem.")
    ds = p.add_subparsers(dest="dokument_cmd", metavar="ÅTGÄRD")
    add = ds.add_parser("lägg-till", aliases=["lagg-till", "add"], help="lägg till ett dokument")
    add.add_argument("fil")
    add.add_argument("--titel")
    add.add_argument("--utgivare")
    add.add_argument("--datum", help="YYYY-MM-DD")
    add.add_argument("--url")
    add.set_defaults(func=cmd_add)
    ls = ds.add_parser("lista", aliases=["list"], help="lista dokumenten")
    ls.set_defaults(func=cmd_list)
    show = ds.add_parser("visa", aliases=["show"], help="visa ett dokuments uppgifter och avsnitt")
    show.add_argument("id")
    show.set_defaults(func=cmd_show)
    rm = ds.add_parser("ta-bort", aliases=["remove"], help="ta bort ett dokument (och dess godkända uppgifter)")
    rm.add_argument("id")
    rm.set_defaults(func=cmd_remove)
    rv = ds.add_parser("granska", aliases=["review"], help="visa utkasten till strukturerade uppgifter och besluta")
    rv.add_argument("id")
    rv.add_argument("--godkänn", "--godkann", dest="accept", metavar="all|1,4,7")
    rv.add_argument("--avvisa", dest="reject", metavar="all|2,3")
    rv.set_defaults(func=cmd_review)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def _library():
    from config.settings import get_settings
    from engine.knowledge_layers import open_library

    return open_library(get_settings().data_dir)


def _errors():
    from engine.knowledge import KnowledgeError
    from engine.library.document import DocumentError

    return (DocumentError, KnowledgeError)


def cmd_add(args: argparse.Namespace) -> int:
    from engine.library import drafts
    from sheets.documents import read_document

    date = None
    if args.datum:
        try:
            date = dt.date.fromisoformat(args.datum)
        except ValueError:
            raise CliError(f"--datum ”{args.datum}” är inget datum; skriv YYYY-MM-DD") from None
    lib = _library()
    try:
        text = read_document(args.fil)
        doc = lib.add(text, filename=args.fil, title=args.titel, publisher=args.utgivare, date=date, url=args.url)
        items = drafts.draft_and_store(lib, doc)
    except _errors() as e:
        raise CliError(str(e)) from e
    print(f"Tillagt: {doc.id}  {doc.title}")
    meta = [f"{len(doc.sections)} avsnitt"]
    if doc.pages:
        meta.append(f"{doc.pages} sidor")
    if doc.date:
        meta.append(f"datum {doc.date.isoformat()}")
    if doc.dnr:
        meta.append(f"dnr {doc.dnr}")
    print("  " + ", ".join(meta))
    print(f"  {len(items)} utkast till strukturerade uppgifter; granska med: stimulans dokument granska {doc.id}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from engine.library import drafts

    lib = _library()
    try:
        docs = lib.documents()
    except _errors() as e:
        raise CliError(str(e)) from e
    if not docs:
        print("Biblioteket är tomt. Lägg till ett dokument: stimulans dokument lägg-till FIL --titel \"…\"")
        return 0
    for d in docs:
        kind = "källdokument" if d.seed else d.kind
        state = drafts.review_state(lib, d)
        date = d.date.isoformat() if d.date else "—"
        print(f"{d.id:22}  {date:10}  {kind:12}  {d.title}" + (f"  [{state}]" if state else ""))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    lib = _library()
    try:
        d = lib.get(args.id)
    except _errors() as e:
        raise CliError(str(e)) from e
    print(d.title)
    for label, value in (("id", d.id), ("utgivare", d.publisher), ("datum", d.date and d.date.isoformat()),
                         ("dnr", d.dnr), ("url", d.url), ("fil", d.filename),
                         ("sidor", d.pages or None), ("tillagt", d.added and d.added.isoformat())):
        if value:
            print(f"  {label}: {value}")
    print(f"  {len(d.sections)} avsnitt:")
    for s in d.sections:
        page = f" (s. {s.page})" if s.page else ""
        print(f"    • {s.heading}{page}: {len(s.text.split())} ord")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    lib = _library()
    try:
        d = lib.remove(args.id)
    except _errors() as e:
        raise CliError(str(e)) from e
    print(f"Borttaget: {d.id}  {d.title} (med dess utkast och godkända uppgifter)")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from engine.library import drafts

    lib = _library()
    try:
        d = lib.get(args.id)
        if args.accept or args.reject:
            result = drafts.decide(lib, d, accept=args.accept, reject=args.reject)
            print(result.summary())
            for w in result.warnings:
                print(f"  varning: {w}")
            return 0
        items = drafts.load_or_draft(lib, d)
    except _errors() as e:
        raise CliError(str(e)) from e
    except ValueError as e:  # a bad selection ("1,x")
        raise CliError(str(e)) from e
    print(drafts.review_text(lib, d, items))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(0)
