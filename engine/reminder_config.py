"""Reminder settings from config/reminders.yaml, validated by a pydantic model."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.models import DeadlineKind

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "reminders.yaml"


class ReminderConfigError(Exception):
    """config/reminders.yaml is missing or wrong; str(e) says what to fix, in Swedish."""


def _check_offsets(v: list[int]) -> list[int]:
    if len(set(v)) != len(v):
        raise ValueError(f"samma dag står flera gånger: {v}")
    for n in v:
        if n < 0 or n > 366:
            raise ValueError(f"{n} dagar före är utanför 0–366")
    return sorted(v, reverse=True)


class ReminderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offsets: list[int] = Field(default_factory=lambda: [30, 14, 7, 3, 1, 0])
    offsets_by_kind: dict[DeadlineKind, list[int]] = Field(default_factory=dict)
    all_done: Literal["note", "nothing"] = "note"
    catch_up: bool = True
    claim_timeout_minutes: float = Field(default=10, gt=0, le=24 * 60)
    max_names: int = Field(default=40, ge=1, le=400)
    fact_topics: dict[DeadlineKind, list[str]] = Field(default_factory=dict)

    @field_validator("offsets")
    @classmethod
    def _offsets(cls, v: list[int]) -> list[int]:
        return _check_offsets(v)

    @field_validator("offsets_by_kind")
    @classmethod
    def _by_kind(cls, v: dict[DeadlineKind, list[int]]) -> dict[DeadlineKind, list[int]]:
        return {kind: _check_offsets(offsets) for kind, offsets in v.items()}

    def offsets_for(self, kind: DeadlineKind) -> list[int]:
        """Days before the deadline, largest first."""
        return self.offsets_by_kind.get(kind, self.offsets)


def load_reminder_config(path: Path | None = None) -> ReminderConfig:
    path = path or DEFAULT_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as e:
        raise ReminderConfigError(f"påminnelseinställningarna saknas: {path}") from e
    except yaml.YAMLError as e:
        raise ReminderConfigError(f"{path} är ingen giltig YAML: {e}") from e
    if not isinstance(raw, dict):
        raise ReminderConfigError(f"{path}: förväntade nycklar som offsets, all_done, catch_up")
    try:
        return ReminderConfig.model_validate(raw)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(filen)'}: {err['msg']}" for err in e.errors()
        )
        raise ReminderConfigError(f"fel i {path.name}: {problems}") from e
