"""Who may edit which Rekvisitioner rows. The one authorization rule, for every front.

Rule (from the Kontakter tab):
- a `samordnare` (coordinator) may edit every row;
- a `kontakt` may edit only the rows of the recipient(s) on their own contact row(s);
- everyone else may ask questions but not write.

A refusal always says why and whom to ask (the coordinators listed in Kontakter).
No Slack imports here: fronts pass the person's Slack id and/or e-mail.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from engine.store import Contact, Role


def match_contacts(contacts: Iterable[Contact], *, slack_id: str | None = None,
                   email: str | None = None) -> list[Contact]:
    """The contact rows of one person: matched on Slack id first, else on e-mail (case-insensitive)."""
    contacts = list(contacts)
    if slack_id:
        sid = slack_id.strip().upper()
        by_id = [c for c in contacts if c.slack_id and c.slack_id.strip().upper() == sid]
        if by_id:
            return by_id
    if email:
        mail = email.strip().casefold()
        return [c for c in contacts if c.email and c.email.strip().casefold() == mail]
    return []


def coordinators(contacts: Iterable[Contact]) -> list[Contact]:
    return [c for c in contacts if c.role == Role.samordnare]


@dataclass(frozen=True)
class Identity:
    """A person as the Kontakter tab knows them (possibly several rows, possibly none)."""

    rows: tuple[Contact, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.rows)

    @property
    def is_coordinator(self) -> bool:
        return any(c.role == Role.samordnare for c in self.rows)

    @property
    def recipient_ids(self) -> list[str]:
        """Recipients this person is a contact for (in sheet order, no duplicates)."""
        out: list[str] = []
        for c in self.rows:
            if c.recipient_id and c.recipient_id not in out:
                out.append(c.recipient_id)
        return out

    @property
    def name(self) -> str:
        return next((c.name for c in self.rows if c.name), "")

    @property
    def can_edit_anything(self) -> bool:
        return self.is_coordinator or bool(self.recipient_ids)


@dataclass(frozen=True)
class Decision:
    """Whether a write is allowed, and in Swedish why not."""

    allowed: bool
    reason: str = ""  # Swedish; empty when allowed
    ask: tuple[Contact, ...] = field(default_factory=tuple)  # whom to ask when refused

    def message(self, mention: Callable[[Contact], str] | None = None) -> str:
        """The refusal as one Swedish paragraph: why, then whom to ask."""
        if self.allowed:
            return ""
        return f"{self.reason} {whom_to_ask(self.ask, mention)}"


def whom_to_ask(coords: Iterable[Contact], mention: Callable[[Contact], str] | None = None) -> str:
    coords = list(coords)
    if not coords:
        return ("Det finns ingen samordnare i fliken Kontakter; be den som förvaltar det delade "
                "kalkylarket att lägga in dig där.")
    people = ", ".join(_who(c, mention) for c in coords)
    return f"Fråga en samordnare: {people}."


def _who(c: Contact, mention: Callable[[Contact], str] | None) -> str:
    if mention is not None:
        shown = mention(c)
        if shown:
            return shown
    if c.email:
        return f"{c.name} ({c.email})" if c.name else c.email
    return c.name or "(namn saknas)"


NOT_A_CONTACT = "Du finns inte i fliken Kontakter, så du kan ställa frågor men inte uppdatera status."


def can_edit(identity: Identity, recipient_id: str, all_contacts: Iterable[Contact],
             names: Mapping[str, str] | None = None) -> Decision:
    """May this person edit the rows of `recipient_id`?"""
    names = names or {}
    coords = tuple(coordinators(all_contacts))
    if identity.is_coordinator:
        return Decision(True)
    if not identity.known:
        return Decision(False, NOT_A_CONTACT, coords)
    own = identity.recipient_ids
    if recipient_id in own:
        return Decision(True)
    target = names.get(recipient_id, recipient_id)
    if not own:
        return Decision(False, f"Din rad i fliken Kontakter saknar mottagare, så du kan inte uppdatera "
                               f"{target}.", coords)
    own_names = ", ".join(names.get(r, r) for r in own)
    return Decision(False, f"Du är kontakt för {own_names} och får bara uppdatera "
                           f"{'dess' if len(own) == 1 else 'deras'} rader, inte {target}.", coords)


def can_open_editor(identity: Identity, all_contacts: Iterable[Contact]) -> Decision:
    """May this person open the status editor at all (coordinator, or contact with a recipient)?"""
    coords = tuple(coordinators(all_contacts))
    if identity.can_edit_anything:
        return Decision(True)
    if not identity.known:
        return Decision(False, NOT_A_CONTACT, coords)
    return Decision(False, "Din rad i fliken Kontakter saknar mottagare, så det finns inget du kan "
                           "uppdatera.", coords)
