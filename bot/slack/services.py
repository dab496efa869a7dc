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

from bot.slack.dedup import EventDeduplicator
from config.settings import Settings
from engine import slack_text
from engine.authz import Identity, match_contacts
from engine.conversation import ConversationContext, InProcessContext
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
        self.shared: Any = None  # None: in-process state (one worker process); REDIS_URL: shared (docs/scale.md)
        if settings.redis_url is not None:
            from sheets.redis_state import shared_state

            self.shared = shared_state(settings.redis_url.get_secret_value())
        self.dedup: Any = self.shared or EventDeduplicator()
        self.context: ConversationContext = self.shared or InProcessContext()
        # a replayed signed request (same signature, timestamp and body) is dropped; shared with REDIS_URL
        self.replays: Any = self.shared or EventDeduplicator(ttl_seconds=600)  # > Bolt's 5-minute window
        self._emails: dict[str, tuple[float, str]] = {}  # slack id -> (fetched at, e-mail or "")
        # Several counties (STIMULANS_COUNTIES): one store and engine per county, validated here at start.
        self.counties: Any = None
        self._county_stores: dict[str, Store] = {}
        self._county_engines: dict[str, Any] = {}
        if settings.counties_file is not None:
            from engine.counties import load_counties

            self.counties = load_counties(settings.counties_file)

    # --- engine, store, knowledge base (lazy) ---
    @property
    def engine(self) -> Any:
        if self.counties is not None and self._engine is None:
            return self.engine_for(None)
        with self._lock:
            if self._engine is None:
                from bot.runtime import get_knowledge
                from engine.qa import Engine

                self._engine = Engine(get_knowledge(self.settings), store=self.store, context=self.context)
            return self._engine

    @property
    def store(self) -> Store:
        if self.counties is not None and self._store is None:
            return self.store_for(None)
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

    # --- counties (docs/scale.md); without a county file every county is the one store ---
    def county_code(self, county: str | None) -> str | None:
        if self.counties is None:
            return None
        found = self.counties.by_code(county)
        return (found or self.counties.default).code

    def store_for(self, county: str | None) -> Store:
        """The store of a county (its own workbook or sheet); the one store without counties."""
        if self.counties is None:
            return self.store
        code = self.county_code(county)
        with self._lock:
            if code not in self._county_stores:
                from sheets.factory import open_county_store

                self._county_stores[code] = open_county_store(self.settings, self.counties.by_code(code), kb=self.kb)
            return self._county_stores[code]

    def engine_for(self, county: str | None) -> Any:
        """The engine answering for a county: status questions read that county's sheet."""
        if self.counties is None:
            return self.engine
        code = self.county_code(county)
        store = self.store_for(code)
        with self._lock:
            if code not in self._county_engines:
                from engine.qa import Engine

                self._county_engines[code] = Engine(self.kb, store=store, context=self.context)
            return self._county_engines[code]

    def county_for(self, client: Any, user_id: str | None, channel: str | None = None) -> str | None:
        """The asker's county: the channel's county, else the county whose Kontakter (or configured
        coordinators) list the person, else the first county. None without counties."""
        if self.counties is None:
            return None
        by_channel = self.counties.for_channel(channel)
        if by_channel is not None:
            return by_channel.code
        if user_id:
            for county in self.counties.counties:
                try:
                    if self.identity(client, user_id, county.code, lookup_email=False).known:
                        return county.code
                except Exception:  # noqa: BLE001 - an unreadable county sheet is skipped here
                    log.warning("län %s: kontakterna kunde inte läsas", county.code)
            email = self.email_of(client, user_id) if client is not None else ""
            if email:
                for county in self.counties.counties:
                    if match_contacts(self.contacts(county.code), email=email):
                        return county.code
        return self.counties.default.code

    def county_of_recipient(self, recipient_id: str) -> str | None:
        """Which county's sheet holds a recipient's rows (None without counties)."""
        if self.counties is None:
            return None
        from engine.counties import county_of_recipient

        code = county_of_recipient(self.kb, recipient_id)
        return code if self.counties.by_code(code) is not None else ""

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

    def identity(self, client: Any, user_id: str, county: str | None = None, *,
                 lookup_email: bool = True) -> Identity:
        """Who the person is in a county's Kontakter (the one Kontakter without counties): a coordinator
        of one county is nobody in another county's sheet."""
        contacts = self.contacts(county)
        rows = match_contacts(contacts, slack_id=user_id)
        if not rows and lookup_email and client is not None:
            email = self.email_of(client, user_id)
            rows = match_contacts(contacts, email=email) if email else []
        return Identity(tuple(rows))

    def contacts(self, county: str | None = None) -> list[Contact]:
        if self.counties is None:
            return list(self.store.snapshot().contacts)
        code = self.county_code(county)
        configured = self.counties.by_code(code).coordinator_contacts()
        return list(self.store_for(code).snapshot().contacts) + configured

    def recipient_names(self) -> dict[str, str]:
        names = {rid: r.name for rid, r in (getattr(self.kb, "recipients", {}) or {}).items()}
        try:
            for s in self.store.snapshot().statuses:
                names.setdefault(s.key.recipient_id, s.recipient_name or s.key.recipient_id)
        except Exception:  # noqa: BLE001 - names are cosmetic
            pass
        return names


mention = slack_text.mention  # the one way a contact is shown in Slack (engine/slack_text.py)


def attach(app: Any, svc: Services) -> Services:
    app._stimulans_services = svc
    return svc


def services(app: Any) -> Services:
    return app._stimulans_services
