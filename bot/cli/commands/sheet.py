"""`stimulans init-sheet`, `stimulans check`, `stimulans update` — the shared sheet from the command line."""
from __future__ import annotations

import argparse
import getpass

from engine.store import RowKey, StatusUpdate


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init-sheet", help="skapa eller laga flikarna i bladet/arbetsboken",
                       description="Skapar saknade flikar och rubriker, format och rullista för status, och "
                                   "fyller i rader från kunskapsbasen. Tar aldrig bort eller skriver över ifyllda rader.")
    p.add_argument("--år", "--ar", dest="ar", type=int, metavar="ÅR",
                   help="lägg också till en rad i Rekvisitioner per mottagare och post som fliken Tilldelning "
                        "anger för året (t.ex. --år 2024); befintliga rader lämnas orörda")
    p.set_defaults(func=run_init)

    p = sub.add_parser("check", help="kontrollera bladet (oläsliga celler, dubbletter, okända mottagare, för höga belopp)",
                       description="Listar allt i bladet som inte går att förstå. Avslutar med kod 1 om något hittas.")
    p.set_defaults(func=run_check)

    p = sub.add_parser("update", help="ändra en rad i Rekvisitioner (loggas i Logg)",
                       description="Ändra ett fält för en mottagare, t.ex.: stimulans update Rättvik status rekvirerad "
                                   "--post handlingsplaner")
    p.add_argument("mottagare", help="kommun, region eller kod (t.ex. Rättvik eller 2031)")
    p.add_argument("falt", metavar="fält", help="status, belopp, datum, referens, användning eller kontaktperson")
    p.add_argument("varde", metavar="värde", nargs="+", help="det nya värdet")
    p.add_argument("--post", help="posten (id eller namn) om mottagaren har flera rader")
    p.add_argument("--overenskommelse", "--överenskommelse", dest="overenskommelse",
                   help="överenskommelsen (t.ex. ok2020)")
    p.add_argument("--som", help="vem som ändrar (för loggen); standard: ditt användarnamn")
    p.set_defaults(func=run_update)

    p = sub.add_parser("export-historik", help="skriv Logg, Påminnelser och Återkoppling till en .xlsx (lokal arbetsbok)",
                       description="Den lokala arbetsbokens historikflikar ligger i en SQLite-fil bredvid den "
                                   "(docs/scale.md). Det här skriver dem till en .xlsx med samma flikar, för läsning.")
    p.add_argument("fil", nargs="?", help="målfilen (standard: <arbetsbok>-historik.xlsx bredvid arbetsboken)")
    p.set_defaults(func=run_export_history)


_UPDATE_OPTIONS = {"--post", "--overenskommelse", "--överenskommelse", "--som"}


def update_argv(argv: list[str]) -> list[str]:
    """`update Rättvik referens -2020/4`: a value may start with '-'. Options (--post X, --som Y, also as
    --post=X) go first, then the positionals after '--', so argparse never reads a value as an option."""
    options: list[str] = []
    positionals: list[str] = []
    tokens = iter(argv[1:])
    for token in tokens:
        if token == "--":
            positionals += list(tokens)
            break
        if token in ("-h", "--help"):
            options.append(token)
        elif token in _UPDATE_OPTIONS:
            options += [token, next(tokens, "")]
        elif token.split("=", 1)[0] in _UPDATE_OPTIONS and "=" in token:
            options.append(token)
        else:
            positionals.append(token)
    return [argv[0], *options, "--", *positionals]


def run_init(args: argparse.Namespace) -> int:
    from bot.runtime import get_store

    store = get_store()
    changes = store.init_schema()
    if getattr(args, "ar", None) is not None:
        from bot.cli import CliError

        if not 2000 <= args.ar <= 2100:
            raise CliError(f"Året {args.ar} verkar fel; skriv t.ex. --år 2024.")
        seed_year = getattr(store, "seed_year", None)
        if seed_year is None:
            raise CliError(f"{store.name} kan inte lägga till rader för ett år.")
        changes += seed_year(args.ar)
    if not changes:
        print(f"Inget att ändra: alla flikar, rubriker och rader finns redan ({store.name}).")
        return 0
    print(f"Ändrat i {store.name}:")
    for line in changes:
        print(f"  - {line}")
    return 0


def run_export_history(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.cli import CliError
    from bot.runtime import get_store

    store = get_store()
    backend = getattr(store, "backend", None)
    if not hasattr(backend, "export_history"):
        raise CliError("export-historik gäller den lokala arbetsboken; i Google-kalkylarket finns flikarna redan.")
    target = Path(args.fil) if args.fil else backend.path.with_name(backend.path.stem + "-historik.xlsx")
    counts = backend.export_history(target)
    print(f"Skrev {target}: " + ", ".join(f"{tab} {n} rader" for tab, n in counts.items()))
    return 0


def run_check(args: argparse.Namespace) -> int:
    from bot.runtime import get_store

    snap = get_store().refresh()
    if snap.stale_error:
        print(f"Varning: bladet kunde inte läsas nu ({snap.stale_error}); visar senast lästa.")
    differences = snap.knowledge.discrepancies  # documents vs sheet (engine/sheet/knowledge.py)
    if not snap.problems and not differences:
        print(f"Inga problem: {len(snap.statuses)} rader i Rekvisitioner, {len(snap.allocations)} i Tilldelning, "
              f"{len(snap.deadlines)} i Frister, {len(snap.contacts)} kontakter.")
        return 0
    if snap.problems:
        print(f"{len(snap.problems)} problem i bladet (raderna används inte i svaren):")
        for p in snap.problems:
            print(f"  {p.describe()}")
    if differences:
        print(f"{len(differences)} skillnader mellan dokumenten och bladet (svaren visar båda):")
        for d in differences:
            print(f"  {d.text}")
    return 1


def _resolve_key(args: argparse.Namespace, kb, snap) -> RowKey:
    from bot.cli import CliError
    from engine.sheet.rows import Lookup

    lookup = Lookup(kb)
    recipient = lookup.recipient(args.mottagare, args.mottagare if args.mottagare.strip().isdigit() else "")
    if recipient is None:
        raise CliError(f"Känner inte igen mottagaren ”{args.mottagare}” (skriv kommunens eller regionens namn eller kod).")
    agreement = None
    if args.overenskommelse:
        agreement = lookup.agreement(args.overenskommelse)
        if agreement is None:
            raise CliError(f"Okänd överenskommelse ”{args.overenskommelse}” (t.ex. {', '.join(kb.agreements) or 'ok2020'}).")
    rows = [s for s in snap.statuses if s.key.recipient_id == recipient.id
            and (agreement is None or s.key.agreement == agreement)]
    if args.post:
        posts = {lookup.post(args.post, s.key.agreement) for s in rows} if rows else set()
        if agreement and not rows:
            posts = {lookup.post(args.post, agreement)}
        posts.discard(None)
        rows = [s for s in rows if s.key.post in posts]
        if not rows and agreement and posts:
            return RowKey(recipient_id=recipient.id, agreement=agreement, post=posts.pop())
    if len(rows) == 1:
        return rows[0].key
    if not rows:
        raise CliError(f"{recipient.name} har ingen rad i Rekvisitioner som passar; ange --overenskommelse och --post "
                       "för att lägga till en.")
    options = ", ".join(f"{s.key.agreement} {s.key.post}" for s in rows)
    raise CliError(f"{recipient.name} har flera rader ({options}); välj med --post (och --overenskommelse).")


def _check_named_person(som: str | None, key: RowKey, snap, kb) -> None:
    """`--som` naming a person in Kontakter (e-mail or Slack id): the same rule as in Slack applies,
    so the log never says a contact changed another recipient's row. The command line itself is the
    operator's tool: whoever runs it already holds the sheet's credentials."""
    from bot.cli import CliError
    from engine.authz import Identity, can_edit, match_contacts

    if not som:
        return
    rows = match_contacts(snap.contacts, slack_id=som.strip(), email=som.strip())
    if not rows:
        return
    names = {rid: r.name for rid, r in (getattr(kb, "recipients", {}) or {}).items()}
    decision = can_edit(Identity(tuple(rows)), key.recipient_id, snap.contacts, names)
    if not decision.allowed:
        raise CliError(f"{som}: {decision.message()} Inget skrevs.")


def run_update(args: argparse.Namespace) -> int:
    from bot.runtime import get_store
    from engine.sheet.knowledge import with_sheet
    from engine.sheet.rows import resolve_field

    store = get_store()
    kb = getattr(store, "kb", None)
    if kb is None:
        from engine.knowledge import load_knowledge

        kb = load_knowledge()
    header = resolve_field(args.falt)
    snap = store.snapshot()
    kb = with_sheet(kb, snap)  # agreements and posts the sheet's Tilldelning defines ("ÖK 2024", "Barn och unga")
    key = _resolve_key(args, kb, snap)
    actor = args.som or f"cli:{getpass.getuser()}"
    _check_named_person(args.som, key, snap, kb)
    result = store.update_status(StatusUpdate(key=key, changes={header: " ".join(args.varde)}, actor=actor))
    name = kb.recipients[key.recipient_id].name if key.recipient_id in kb.recipients else key.recipient_id
    from engine.dashboard import post_label

    where = f"{name} / {post_label(kb, key.agreement, key.post)}"
    if not result.changed:
        print(f"Inget ändrat: {where} har redan det värdet.")
        return 0
    verb = "Ny rad" if result.created else "Ändrat"
    for field, (old, new) in result.changed.items():
        print(f"{verb} {where} (rad {result.row}): {field}: ”{old}” → ”{new}” (loggat som {actor})")
    return 0
