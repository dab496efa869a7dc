"""Several counties in one deployment: the county config (config/counties.yaml format, docs/scale.md).

Each county has its own shared sheet (a Google sheet id/URL or a local workbook path), its reminder
channel, optionally more channels whose questions belong to it, and coordinators (Slack ids or e-mails,
in addition to the `samordnare` rows of its own Kontakter tab). The file is validated when the bot starts;
every mistake is one Swedish line naming the county and the field.

Without a county file (STIMULANS_COUNTIES unset) nothing here is used: one sheet, one channel, as before.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from engine.scope import expand_applies_to
from engine.store import Contact, Role

_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


class CountyConfigError(Exception):
    """The county file is missing or wrong; str(e) says what to fix, in Swedish."""


class County(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(description="länskod, två siffror (01 Stockholm, 20 Dalarna)")
    name: str = ""
    workbook: Path | None = None
    google_sheet: str | None = None
    reminder_channel: str | None = None
    channels: tuple[str, ...] = ()
    coordinators: tuple[str, ...] = ()

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, v: Any) -> str:
        text = str(v).strip()
        if not re.fullmatch(r"\d{1,2}", text):
            raise ValueError(f"länskoden ”{text}” ska vara två siffror (t.ex. \"01\" eller \"20\")")
        return text.zfill(2)

    @field_validator("reminder_channel")
    @classmethod
    def _channel(cls, v: str | None) -> str | None:
        if v is not None and not _CHANNEL.match(v.strip()):
            raise ValueError(f"”{v}” är inget kanal-id (t.ex. C0123ABCD; högerklicka på kanalen → Kopiera länk)")
        return v.strip() if v else None

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for c in v:
            if not _CHANNEL.match(c.strip()):
                raise ValueError(f"”{c}” är inget kanal-id (t.ex. C0123ABCD)")
        return tuple(c.strip() for c in v)

    @field_validator("coordinators")
    @classmethod
    def _coordinators(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for c in v:
            if not (_USER.match(c.strip()) or _EMAIL.match(c.strip())):
                raise ValueError(f"”{c}” är varken ett Slack-id (U…) eller en e-postadress")
        return tuple(c.strip() for c in v)

    @model_validator(mode="after")
    def _one_sheet(self) -> County:
        if (self.workbook is None) == (self.google_sheet is None):
            raise ValueError("ange antingen workbook (sökväg till .xlsx) eller google_sheet (id eller länk), "
                             "inte båda och inte ingen")
        return self

    @property
    def all_channels(self) -> tuple[str, ...]:
        return ((self.reminder_channel,) if self.reminder_channel else ()) + self.channels

    def coordinator_contacts(self) -> list[Contact]:
        """The configured coordinators as Kontakter rows with the samordnare role."""
        return [Contact(row=0, name=c, slack_id=c if _USER.match(c) else "", email=c if "@" in c else "",
                        role=Role.samordnare) for c in self.coordinators]


class Counties(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    counties: tuple[County, ...]

    @model_validator(mode="after")
    def _unique(self) -> Counties:
        if not self.counties:
            raise ValueError("inga län angivna (counties: är tom)")
        seen: dict[str, str] = {}
        for county in self.counties:
            for kind, value in (("länskod", county.code), *(("kanal", c) for c in county.all_channels),
                                ("arbetsbok", str(county.workbook) if county.workbook else None),
                                ("google_sheet", county.google_sheet)):
                if value is None:
                    continue
                key = f"{kind}:{value}"
                if key in seen and not (kind == "kanal" and seen[key] == county.code):
                    raise ValueError(f"{kind} {value} står för både län {seen[key]} och län {county.code}")
                seen[key] = county.code
        return self

    def by_code(self, code: str | None) -> County | None:
        return next((c for c in self.counties if c.code == code), None) if code else None

    def for_channel(self, channel: str | None) -> County | None:
        return next((c for c in self.counties if channel and channel in c.all_channels), None)

    @property
    def default(self) -> County:
        return self.counties[0]

    def check_against(self, kb: Any) -> None:
        """Every county code must be a county of the knowledge base."""
        known = {getattr(r, "county_code", None) for r in getattr(kb, "recipients", {}).values()}
        for county in self.counties:
            if known - {None} and county.code not in known:
                raise CountyConfigError(f"län {county.code}: ingen mottagare i kunskapsbasen har den länskoden")


def load_counties(path: Path, *, base: Path | None = None) -> Counties:
    """Read and validate the county file; relative workbook paths are relative to `base` (the file's folder)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise CountyConfigError(f"länsfilen saknas: {path} (STIMULANS_COUNTIES)") from e
    except yaml.YAMLError as e:
        raise CountyConfigError(f"{path} är ingen giltig YAML: {e}") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("counties"), list):
        raise CountyConfigError(f"{path}: förväntade en lista under nyckeln counties: (se docs/scale.md)")
    base = base or Path(path).resolve().parent
    for item in raw["counties"]:
        if isinstance(item, dict) and item.get("workbook"):
            wb = Path(str(item["workbook"]))
            item["workbook"] = wb if wb.is_absolute() else base / wb
    try:
        return Counties.model_validate(raw)
    except ValidationError as e:
        lines = []
        for err in e.errors(include_input=False, include_url=False):
            loc = err.get("loc", ())
            where = f"län nr {loc[1] + 1}" if len(loc) > 1 and loc[0] == "counties" else ""
            field = ".".join(str(x) for x in loc[2:]) if len(loc) > 2 else ""
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            lines.append(": ".join(x for x in (where, field, msg) if x))
        raise CountyConfigError(f"{path}: " + "; ".join(lines)) from None


def county_of_recipient(kb: Any, recipient_id: str) -> str | None:
    rec = getattr(kb, "recipients", {}).get(recipient_id)
    return getattr(rec, "county_code", None) if rec is not None else None


def county_deadlines(kb: Any, code: str) -> list[Any]:
    """The deadlines that concern county `code`: level markers (every county's own rows), and named
    recipients narrowed to those of this county (a deadline naming only other counties is dropped)."""
    out = []
    recipients = getattr(kb, "recipients", {})
    for d in kb.deadlines:
        markers = [m for m in (d.applies_to or []) if m and m.strip()]
        if not markers:
            out.append(d)
            continue
        keep = []
        for m in markers:
            scope = expand_applies_to(kb, [m])
            if scope.everyone:
                keep.append(m)
            elif scope.kinds:  # a level: kept when the county has recipients of that kind (not SKR's own)
                if any(str(r.kind) in scope.kinds and getattr(r, "county_code", None) == code
                       for r in recipients.values()):
                    keep.append(m)
            elif any(getattr(recipients.get(r), "county_code", None) == code for r in scope.named):
                keep.append(m)
        if keep:
            out.append(d if keep == markers else replace(d, applies_to=keep))
    return out


def county_kb(kb: Any, code: str) -> Any:
    """The knowledge base as one county's reminders see it (its deadlines only)."""
    return dataclasses.replace(kb, deadlines=county_deadlines(kb, code))
