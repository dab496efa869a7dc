"""Optional parts of the install (pyproject extras) and the one line a user sees when one is missing.

`pip install stimulans` gives the local chat and the command line. The Slack bot needs `[slack]`, the
Google Sheets store `[google]`, `serve --http` under gunicorn `[server]`, Word/PDF drafts and document
import `[documents]`, the digest chart `[charts]`. Those libraries are imported
where they are used; an ImportError of one of them becomes `missing_extra_message(exc)` at the CLI's
error boundary (bot/errors.py) instead of a traceback.
"""
from __future__ import annotations

#: top-level module -> (extra, what it is for)
EXTRAS: dict[str, tuple[str, str]] = {
    "slack_bolt": ("slack", "Slack-boten"),
    "slack_sdk": ("slack", "Slack"),
    "gspread": ("google", "Google Sheets"),
    "google": ("google", "Google Sheets"),
    "requests": ("google", "Google Sheets"),
    "gunicorn": ("server", "HTTP-servern (serve --http)"),
    "redis": ("redis", "Delat tillstånd i Redis (REDIS_URL)"),
    "docx": ("documents", "Word-filer"),
    "fpdf": ("documents", "PDF-filer"),
    "pypdf": ("documents", "PDF-filer"),
    "matplotlib": ("charts", "Diagrammet i sammanfattningen"),
}


def install_hint(extra: str) -> str:
    return f"pip install 'stimulans[{extra}]'"


def extra_for(exc: BaseException) -> str | None:
    """The extra whose library this ImportError is about, or None (then it is a real bug)."""
    if not isinstance(exc, ImportError):
        return None
    name = (exc.name or "").split(".")[0]
    return EXTRAS[name][0] if name in EXTRAS else None


def missing_extra_message(exc: BaseException) -> str | None:
    """One Swedish line naming the extra to install, for an ImportError of an optional library."""
    if extra_for(exc) is None:
        return None
    assert isinstance(exc, ImportError)
    name = (exc.name or "").split(".")[0]
    extra, purpose = EXTRAS[name]
    line = (f"{purpose} kräver paketet {name}, som inte är installerat: kör {install_hint(extra)} "
            f"(eller {install_hint('all')} för allt)")
    if extra == "server":
        line += "; för utveckling räcker `stimulans serve --http --dev`"
    return line + "."

