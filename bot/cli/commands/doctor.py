"""`stimulans doctor`: check the whole configuration and say, per check, what is fine and what to fix.

Checks, in order (a failed check skips the ones that depend on it):
  Inställningar     the environment variables / .env parse and are complete (config/settings.py)
  Kunskapsbas       config/knowledge/*.yaml loads and validates
  Lagring           local workbook: readable and writable (or its folder writable, before the first run);
                    Google: the key is readable, the sheet opens, every tab and header is there
  Slack             SLACK_BOT_TOKEN via auth.test; SLACK_APP_TOKEN via apps.connections.open (Socket Mode)
                    or SLACK_SIGNING_SECRET present (HTTP); the reminder channel exists and the bot is a
                    member (conversations.info)
Exit code 0 when every check is OK, 1 otherwise. Only reads: nothing is created or written.
"""
from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

OK, FEL, SKIP = "OK", "FEL", "–"
SLACK_API = "https://slack.com/api/"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # OK, FEL or SKIP (not configured / not applicable: does not fail the run)
    detail: str
    fix: str = ""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="kontrollera hela konfigurationen (Slack, Google, arbetsbok, kanal)",
                       description="Kontrollerar inställningarna, kunskapsbasen, lagringen (arbetsboken eller "
                                   "Google-arket och dess flikar), Slack-token och påminnelsekanalen, och säger "
                                   "vad som ska rättas. Ändrar ingenting. Avslutar med kod 1 om något är fel.")
    p.set_defaults(func=run, check_settings=False)


def run(args: argparse.Namespace | None = None, out: TextIO | None = None) -> int:
    import sys

    out = out or sys.stdout
    checks = run_checks()
    print(report(checks), file=out)
    return 1 if any(c.status == FEL for c in checks) else 0


def report(checks: list[Check]) -> str:
    lines = ["Stimulans doctor: kontrollerar konfigurationen (ändrar ingenting)", ""]
    for c in checks:
        lines.append(f"{c.status:<4} {c.name}: {c.detail}")
        if c.fix:
            lines.append(f"     {'Åtgärd' if c.status == FEL else 'Tips'}: {c.fix}")
    failed = sum(c.status == FEL for c in checks)
    lines.append("")
    lines.append("Allt ser bra ut." if not failed else
                 f"{failed} {'sak' if failed == 1 else 'saker'} att rätta (se Åtgärd ovan); kör sedan "
                 "`stimulans doctor` igen.")
    return "\n".join(lines)


def run_checks() -> list[Check]:
    settings, check = _settings()
    checks = [check]
    if settings is None:
        return checks + [Check("Övrigt", SKIP, "hoppas över tills inställningarna är giltiga")]
    checks.append(_knowledge())
    checks.extend(_store(settings))
    checks.extend(_slack(settings))
    return checks


# --------------------------------------------------------------------------- settings & knowledge

def _settings() -> tuple[Any, Check]:
    from config.settings import Settings, SettingsError

    try:
        settings = Settings()
    except SettingsError as e:
        return None, Check("Inställningar", FEL, str(e),
                           "rätta miljövariabeln (eller raden i .env); se .env.example för alla inställningar")
    store = (f"Google-arket ({_short(settings.google_sheet)})" if settings.google_configured
             else f"arbetsboken {settings.resolved_workbook}")
    if settings.slack_app_token:
        slack = "Socket Mode"
    elif settings.slack_bot_token and settings.slack_signing_secret:
        slack = "HTTP"
    else:
        slack = "inte konfigurerat"
    return settings, Check("Inställningar", OK, f"giltiga; lagring: {store}; Slack: {slack}; "
                                                f"tidszon {settings.timezone}")


def _short(sheet: str | None) -> str:
    sheet = (sheet or "").strip()
    match = re.search(r"/d/([A-Za-z0-9_-]+)", sheet)
    return match.group(1) if match else sheet


def _knowledge() -> Check:
    from engine.knowledge import KnowledgeError, load_knowledge

    try:
        kb = load_knowledge()
    except KnowledgeError as e:
        return Check("Kunskapsbas", FEL, str(e), "rätta filen i config/knowledge/ (fil, sökväg och rad står ovan)")
    return Check("Kunskapsbas", OK, f"{len(kb.agreements)} överenskommelser, {len(kb.allocations)} belopp, "
                                    f"{len(kb.deadlines)} deadlines, {len(kb.facts)} regler")


# --------------------------------------------------------------------------- store

def _missing_tabs(grids: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Tabs that are missing, and 'Tab: header' for headers missing in row 1 of a present tab."""
    from engine.store import HEADERS

    tabs, headers = [], []
    for tab, wanted in HEADERS.items():
        grid = grids.get(str(tab))
        if grid is None:
            tabs.append(str(tab))
            continue
        first = {str(v).strip() for v in (grid[0] if grid else [])}
        headers.extend(f"{tab}: {h}" for h in wanted if h not in first)
    return tabs, headers


def _tabs_check(grids: dict[str, Any], where: str) -> Check:
    from engine.store import HEADERS

    tabs, headers = _missing_tabs(grids)
    if tabs or headers:
        parts = []
        if tabs:
            parts.append(f"flikarna saknas: {', '.join(tabs)}")
        if headers:
            parts.append(f"rubriker saknas i rad 1: {'; '.join(headers)}")
        return Check("Flikar", FEL, f"{where}: {'; '.join(parts)}",
                     "kör `stimulans init-sheet` (skapar saknade flikar och rubriker, skriver aldrig över rader)")
    return Check("Flikar", OK, f"alla {len(HEADERS)} flikar och deras rubriker finns ({', '.join(map(str, HEADERS))})")


def _store(settings: Any) -> list[Check]:
    if settings.google_configured:
        return _google(settings)
    return _workbook(settings)


def _workbook(settings: Any) -> list[Check]:
    from engine.store import HEADERS, StoreError

    path = Path(settings.resolved_workbook)
    fix_path = "sätt STIMULANS_WORKBOOK (eller STIMULANS_DATA_DIR) till en skrivbar plats, eller ändra behörigheten"
    several = ""
    if settings.slack_bot_token:
        several = (" Obs: körs boten och påminnelserna på olika maskiner eller på en PaaS (egen disk per process) "
                   "behöver de Google-arket (STIMULANS_GOOGLE_SHEET), annars får var och en sin egen arbetsbok; "
                   "se docs/deploy.md.")
    if not path.exists():
        parent = next((p for p in [path.parent, *path.parent.parents] if p.exists()), None)
        if parent is None or not os.access(parent, os.W_OK | os.X_OK):
            return [Check("Arbetsbok", FEL, f"{path} finns inte och mappen {parent or path.parent} är inte skrivbar",
                          fix_path)]
        return [Check("Arbetsbok", OK, f"{path} finns inte ännu; den skapas vid första användningen "
                                       f"(eller med `stimulans init-sheet`), mappen {parent} är skrivbar.{several}")]
    if path.is_dir():
        return [Check("Arbetsbok", FEL, f"{path} är en mapp, inte en fil", fix_path)]
    if not os.access(path, os.R_OK | os.W_OK):
        return [Check("Arbetsbok", FEL, f"{path} går inte att läsa och skriva för den här användaren", fix_path)]
    from sheets.workbook import WorkbookBackend

    try:
        grids = WorkbookBackend(path).read_tabs([str(t) for t in HEADERS])
    except StoreError as e:
        return [Check("Arbetsbok", FEL, str(e), "ersätt filen med en säkerhetskopia, eller flytta undan den och "
                                                 "kör `stimulans init-sheet`")]
    return [Check("Arbetsbok", OK, f"{path} går att läsa och skriva.{several}"), _tabs_check(grids, str(path))]


def _google(settings: Any) -> list[Check]:
    from bot.extras import missing_extra_message
    from engine.store import HEADERS, StoreError

    try:
        from sheets.google import GoogleBackend

        backend = GoogleBackend.from_settings(settings, max_attempts=2)
    except ImportError as e:
        return [Check("Google-nyckel", FEL, missing_extra_message(e) or str(e),
                      "installera Google-delen: pip install 'stimulans[google]'")]
    except StoreError as e:
        return [Check("Google-nyckel", FEL, str(e),
                      "ange en läsbar JSON-nyckel för ett tjänstekonto i GOOGLE_APPLICATION_CREDENTIALS "
                      "(eller STIMULANS_GOOGLE_CREDENTIALS_JSON)")]
    where = ("STIMULANS_GOOGLE_CREDENTIALS_JSON" if settings.google_credentials_json is not None
             else f"GOOGLE_APPLICATION_CREDENTIALS ({settings.google_credentials_file})")
    checks = [Check("Google-nyckel", OK, f"tjänstekontot {backend.client_email} ur {where}")]
    try:
        title = backend.spreadsheet.title
    except StoreError as e:
        return checks + [Check("Google-arket", FEL, str(e),
                               f"dela kalkylarket med {backend.client_email} som Redigerare och kontrollera "
                               "STIMULANS_GOOGLE_SHEET")]
    checks.append(Check("Google-arket", OK, f"”{title}” ({backend.sheet_id}) öppnas"))
    try:
        grids = backend.read_tabs([str(t) for t in HEADERS])
    except StoreError as e:
        return checks + [Check("Flikar", FEL, str(e), "kör `stimulans init-sheet`")]
    return checks + [_tabs_check(grids, f"kalkylarket ”{title}”")]


# --------------------------------------------------------------------------- Slack

def _slack(settings: Any) -> list[Check]:
    if not (settings.slack_bot_token or settings.slack_app_token or settings.slack_signing_secret):
        return [Check("Slack", SKIP, "inte konfigurerat: bara lokal chatt och kommandoraden",
                      "för Slack-boten: skapa appen från manifest.yaml och sätt SLACK_BOT_TOKEN och "
                      "SLACK_APP_TOKEN (Socket Mode) eller SLACK_SIGNING_SECRET (HTTP); se docs/slack.md")]
    try:
        from slack_sdk import WebClient
    except ImportError as e:
        from bot.extras import missing_extra_message

        return [Check("Slack", FEL, missing_extra_message(e) or str(e),
                      "installera Slack-delen: pip install 'stimulans[slack]'")]
    base_url = settings.slack_api_url or SLACK_API
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    checks: list[Check] = []
    bot: Any = None
    if settings.slack_bot_token is None:
        checks.append(Check("Slack-token", FEL, "SLACK_BOT_TOKEN saknas",
                            "kopiera Bot User OAuth Token (xoxb-…) från appens sida OAuth & Permissions"))
    else:
        token = settings.slack_bot_token.get_secret_value()
        bot = WebClient(token=token, base_url=base_url, timeout=15)
        check, identity = _call(lambda: bot.auth_test(), "Slack-token", "SLACK_BOT_TOKEN", base_url)
        if check is None:
            user, team = identity.get("user") or identity.get("user_id"), identity.get("team") or identity.get("team_id")
            check = Check("Slack-token", OK, f"SLACK_BOT_TOKEN godtas (auth.test): boten {user} i arbetsytan {team}")
            if not token.startswith("xoxb-"):
                check = Check("Slack-token", FEL, "SLACK_BOT_TOKEN godtas men är ingen bot-token (xoxb-…)",
                              "använd Bot User OAuth Token (xoxb-…), inte en användartoken")
        else:
            bot = None
        checks.append(check)
    checks.append(_mode(settings, WebClient, base_url))
    checks.append(_channel(settings, bot, base_url))
    return checks


def _call(fn: Callable[[], Any], name: str, variable: str, base_url: str) -> tuple[Check | None, dict[str, Any]]:
    """Run one Web API call: (None, response data) when it worked, else (a FEL check, {})."""
    from slack_sdk.errors import SlackApiError

    try:
        return None, dict(fn().data)
    except SlackApiError as e:
        code = (e.response.get("error") if e.response is not None else None) or "okänt fel"
        fixes = {
            "invalid_auth": f"kontrollera {variable} (kopiera den på nytt från appens sida på api.slack.com)",
            "not_authed": f"sätt {variable}",
            "account_inactive": "appen är avinstallerad eller användaren inaktiverad: installera appen igen",
            "token_revoked": f"token är återkallad: installera appen igen och kopiera den nya {variable}",
        }
        return Check(name, FEL, f"Slack godtog inte {variable} ({code})",
                     fixes.get(code, f"kontrollera {variable} och att appen är installerad i arbetsytan")), {}
    except (OSError, ValueError) as e:  # URLError, timeouts, a malformed SLACK_API_URL
        reason = getattr(e, "reason", None) or type(e).__name__
        return Check(name, FEL, f"kan inte nå Slack på {base_url} ({reason})",
                     "kontrollera nätverket (utgående HTTPS) och SLACK_API_URL"), {}


def _mode(settings: Any, web_client: Any, base_url: str) -> Check:
    if settings.slack_app_token is not None:
        token = settings.slack_app_token.get_secret_value()
        if not token.startswith("xapp-"):
            return Check("Socket Mode", FEL, "SLACK_APP_TOKEN ska vara en app-nivå-token (xapp-…)",
                         "skapa en app-nivå-token med behörigheten connections:write under Basic Information")
        client = web_client(base_url=base_url, timeout=15)
        check, _ = _call(lambda: client.apps_connections_open(app_token=token), "Socket Mode", "SLACK_APP_TOKEN",
                         base_url)
        return check or Check("Socket Mode", OK, "SLACK_APP_TOKEN godtas (apps.connections.open); "
                                                 "kör `stimulans serve`")
    if settings.slack_signing_secret is not None:
        return Check("HTTP-läge", OK, "SLACK_SIGNING_SECRET är satt (Slack kontrollerar den vid första förfrågan); "
                                      "kör `stimulans serve --http` bakom HTTPS med /slack/events")
    return Check("Slack-läge", FEL, "varken SLACK_APP_TOKEN eller SLACK_SIGNING_SECRET är satt",
                 "sätt SLACK_APP_TOKEN (Socket Mode, ingen publik adress) eller SLACK_SIGNING_SECRET (HTTP)")


def _channel(settings: Any, bot: Any, base_url: str) -> Check:
    name = "Påminnelsekanal"
    channel = (settings.reminder_channel or "").strip()
    if not channel:
        return Check(name, FEL, "STIMULANS_REMINDER_CHANNEL saknas: påminnelserna har ingen kanal",
                     "sätt STIMULANS_REMINDER_CHANNEL till kanalens id (C…; står sist i kanalens länk) och bjud in "
                     "boten med /invite @Stimulans")
    if bot is None:
        return Check(name, SKIP, f"{channel}: kontrolleras när SLACK_BOT_TOKEN fungerar")
    looks_like_id = re.fullmatch(r"[CG][A-Z0-9]{6,}", channel) is not None
    check, data = _call(lambda: bot.conversations_info(channel=channel), name, "SLACK_BOT_TOKEN", base_url)
    if check is not None:
        code = re.search(r"\((\w+)\)$", check.detail)
        code = code.group(1) if code else ""
        if code == "channel_not_found":
            fix = ("ange kanalens id (C…), inte dess namn" if not looks_like_id else
                   "kontrollera id:t; en privat kanal syns först när boten är inbjuden (/invite @Stimulans)")
            return Check(name, FEL, f"kanalen {channel} hittades inte (STIMULANS_REMINDER_CHANNEL)", fix)
        if code == "missing_scope":
            return Check(name, FEL, "appen saknar behörighet att läsa kanalinformation (missing_scope)",
                         "lägg till channels:read och groups:read (se manifest.yaml) och installera om appen")
        return check
    info = data.get("channel") or {}
    label = f"#{info['name']} ({channel})" if info.get("name") else channel
    if info.get("is_archived"):
        return Check(name, FEL, f"{label} är arkiverad", "välj en aktiv kanal i STIMULANS_REMINDER_CHANNEL")
    if not info.get("is_member"):
        return Check(name, FEL, f"boten är inte medlem i {label}; då kan den inte läsa kanalens historik och "
                                "skydda mot dubbla påminnelser (och inte alls posta i en privat kanal)",
                     f"skriv /invite @Stimulans i {label}")
    return Check(name, OK, f"{label}: boten är medlem")
