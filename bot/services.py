"""What the Slack listeners need at run time: engine, store, knowledge base, dedup, identity.

One `Services` per Bolt App (attached with `attach`, read with `services(app)`); listeners look it
up through their closure on the app, not through Bolt's context (lazy listeners get a deep copy of
the context, which must not hold the store). Engine and store are built on first use, so the app
starts (and acks) even while the store is slow to open.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

from bot.dedup import EventDeduplicator
from config.settings import Settings
from engine.authz import Identity, match_contacts
from engine.store import Contact, Store

log = logging.getLogger(__name__)

_EMAIL_TTL = 3600.0


class Services:
    def __init__(self, settings: Settings, *, engine: Any = None, store: Store | None = None, kb: Any = None,
                 default_settings: bool = False):
        self.settings = settings
        self._engine = engine
        self._store = store
        self._kb = kb
        self._default_settings = default_settings
        self._lock = threading.RLock()
        self.dedup = EventDeduplicator()
        self._emails: dict[str, tuple[float, str]] = {}  # slack id -> (fetched at, e-mail or "")

    # --- engine, store, knowledge base (lazy) ---
    @property
    def engine(self) -> Any:
        with self._lock:
            if self._engine is None:
                from bot.runtime import get_knowledge
                from engine.qa import Engine

                self._engine = Engine(get_knowledge(self.settings), store=self.store)
            return self._engine

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = getattr(self._engine, "store", None) if self._engine is not None else None
            if self._store is None:
                if self._default_settings:
                    from bot.runtime import get_store

                    self._store = get_store()
                else:
                    from sheets.factory import open_store

                    self._store = open_store(self.settings)
            return self._store

    @property
    def kb(self) -> Any:
        with self._lock:
            if self._kb is None:
                for attr in ("kb", "knowledge"):
                    value = getattr(self._engine, attr, None) if self._engine is not None else None
                    if value is not None and hasattr(value, "recipients"):
                        self._kb = value
                        break
            if self._kb is None:
                from bot.runtime import get_knowledge

                self._kb = get_knowledge(self.settings)
            return self._kb

    def today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self.settings.timezone)).date()

    # --- who is this Slack user? ---
    def email_of(self, client: Any, user_id: str) -> str:
        """The user's e-mail from users.info (needs users:read.email), cached for an hour."""
        now = time.monotonic()
        hit = self._emails.get(user_id)
        if hit and now - hit[0] < _EMAIL_TTL:
            return hit[1]
        email = ""
        try:
            resp = client.users_info(user=user_id)
            email = ((resp.get("user") or {}).get("profile") or {}).get("email") or ""
        except Exception as exc:  # noqa: BLE001 - no e-mail just means "match on Slack id only"
            log.warning("users.info failed for %s: %s", user_id, type(exc).__name__)
        self._emails[user_id] = (now, email)
        return email

    def identity(self, client: Any, user_id: str) -> Identity:
        contacts = self.contacts()
        rows = match_contacts(contacts, slack_id=user_id)
        if not rows:
            email = self.email_of(client, user_id)
            rows = match_contacts(contacts, email=email) if email else []
        return Identity(tuple(rows))

    def contacts(self) -> list[Contact]:
        return list(self.store.snapshot().contacts)

    def recipient_names(self) -> dict[str, str]:
        names = {rid: r.name for rid, r in (getattr(self.kb, "recipients", {}) or {}).items()}
        try:
            for s in self.store.snapshot().statuses:
                names.setdefault(s.key.recipient_id, s.recipient_name or s.key.recipient_id)
        except Exception:  # noqa: BLE001 - names are cosmetic
            pass
        return names


def mention(contact: Contact) -> str:
    """How a contact is shown in Slack: a mention when we know their Slack id."""
    if contact.slack_id:
        return f"<@{contact.slack_id}>"
    if contact.email:
        return f"{contact.name} ({contact.email})" if contact.name else contact.email
    return contact.name


def attach(app: Any, svc: Services) -> Services:
    app._stimulans_services = svc
    return svc


def services(app: Any) -> Services:
    return app._stimulans_services
