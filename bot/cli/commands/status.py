"""`stimulans status [mottagare]`: requisition status from the store as a table."""
from __future__ import annotations

import argparse

from engine.formatting import format_kr


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="visa rekvisitionsstatus från bladet",
                       description="Visar status per mottagare, överenskommelse och post från bladet/arbetsboken. "
                                   "Ange en kommun, region eller ett län för att bara visa dem.")
    p.add_argument("mottagare", nargs="*", help="kommun, region, län eller kod (valfritt)")
    p.set_defaults(func=run)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def run(args: argparse.Namespace) -> int:
    from bot.cli import CliError
    from bot.runtime import get_store
    from engine.formatting import format_date
    from engine.models import RecipientKind
    from engine.sheet.knowledge import with_sheet
    from engine.sheet.rows import Lookup
    from engine.status import STATUS_LABELS

    store = get_store()
    kb = getattr(store, "kb", None)
    if kb is None:
        from engine.knowledge import load_knowledge

        kb = load_knowledge()
    snap = store.snapshot()
    kb = with_sheet(kb, snap)  # names of the agreements and posts the sheet defines
    rows = snap.statuses
    title = "Alla mottagare"
    text = " ".join(args.mottagare).strip()
    if text:
        rec = Lookup(kb).recipient(text, text if text.isdigit() else "")
        if rec is None:
            raise CliError(f"Känner inte igen ”{text}” (skriv en kommun, region, ett län eller en kod).")
        if rec.kind in (RecipientKind.lan, RecipientKind.region, RecipientKind.grupp) and not any(
                r.key.recipient_id == rec.id for r in rows):
            county_ids = {r.id for r in kb.recipients.values() if r.county_code == rec.county_code}
            rows = [r for r in rows if r.key.recipient_id in county_ids]
        else:
            rows = [r for r in rows if r.key.recipient_id == rec.id]
        title = rec.name
    from engine.dashboard import post_label
    from engine.sheet.ceiling import amount_ceiling

    def allocated(r) -> str:
        ceiling = amount_ceiling(kb, r.key.recipient_id, r.key.agreement, r.key.post)
        return format_kr(ceiling.amount) if ceiling is not None else "–"

    agreements = {a.id: a.short for a in kb.agreements.values()}
    table = [[
        r.recipient_name, agreements.get(r.key.agreement, r.key.agreement),
        post_label(kb, r.key.agreement, r.key.post), STATUS_LABELS[r.status], allocated(r),
        format_kr(r.amount) if r.amount is not None else "–",
        format_date(r.date) if r.date else "–", r.updated_by or "–",
    ] for r in rows]
    print(f"{title}: {len(rows)} {'rad' if len(rows) == 1 else 'rader'} ({store.name})")
    if table:
        from engine.sheet.schema import MOTTAGARE, OK, POST, STATUS

        print(_table(table, [MOTTAGARE, OK, POST, STATUS, "Tilldelat", "Rekvirerat/fakturerat",
                             "Datum", "Uppdaterad av"]))
    elif text:
        print(f"Fliken Rekvisitioner har ingen rad för {title}. Rader finns för mottagare som ska rekvirera eller "
              "fakturera enligt dokumenten eller fliken Tilldelning; lägg till en rad i arket om "
              f"{title} ska följas upp.")
    if snap.stale_error:
        minutes = int(snap.age_seconds() // 60)
        print(f"\nObs: bladet kunde inte läsas nu; visar uppgifter som är {minutes} min gamla ({snap.stale_error}).")
    if snap.problems:
        print(f"\n{len(snap.problems)} problem i bladet (oläsliga celler eller belopp över tilldelningen); "
              "kör `stimulans check` för detaljer.")
    return 0
