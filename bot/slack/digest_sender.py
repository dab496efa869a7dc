"""Post the weekly digest (chart + text) to the coordinator channel with Slack's file upload, once per week.

Exactly once reuses the reminders' claim mechanism (Store.claim_reminder / complete_reminder on the
Påminnelser tab): the digest's id is `sammanfattning:<ISO-week>[:<län>]:<channel>`. A run that finds it
sent skips; a run whose claim is refused (another run has it) skips; after the upload the Slack file id
is recorded in the claim's Slack-ts column (App Home shows that file). A claim left by a crash is never
re-posted automatically (at most once): `stimulans sammanfattning` reports it.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from slack_sdk.errors import SlackApiError

from engine.digest import digest_id, digest_record
from engine.reminders import sent_record
from engine.slack_text import escape

log = logging.getLogger(__name__)

Outcome = Literal["sent", "already_sent", "in_progress", "failed"]


@dataclass(frozen=True)
class DigestResult:
    digest_id: str
    outcome: Outcome
    file_id: str = ""
    detail: str = ""

    def describe(self) -> str:
        text = {
            "sent": f"Skickad: {self.digest_id} (fil {self.file_id})",
            "already_sent": f"Redan skickad denna vecka: {self.digest_id}",
            "in_progress": f"Skickas av en annan körning (eller avbröts; kontrollera kanalen): {self.digest_id}",
            "failed": f"Misslyckades: {self.digest_id}",
        }[self.outcome]
        return f"{text}: {self.detail}" if self.detail else text


def post_digest(client: Any, store: Any, digest: Any, png: bytes, channel: str, *, county: str | None = None,
                owner: str | None = None) -> DigestResult:
    rid = digest_id(digest.today, channel, county)
    if sent_record(store.refresh(), rid):
        return DigestResult(rid, "already_sent")
    owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    if not store.claim_reminder(digest_record(digest.today, channel, owner, now, county)):
        return DigestResult(rid, "already_sent" if sent_record(store.refresh(), rid) else "in_progress")
    try:
        resp = client.files_upload_v2(
            channel=channel, file=png, filename=f"stimulans-{digest.week}.png",
            title=f"Stimulans läget {digest.week}", alt_txt="Stapeldiagram: rekvirerat, fakturerat och öppet "
                                                            "per post och per län",
            initial_comment=escape(digest.text))
    except SlackApiError as e:
        return DigestResult(rid, "failed", detail=str(e.response.get("error", "slack-fel")))
    file_id = ((resp.get("file") or {}).get("id")) or ""
    store.complete_reminder(rid, file_id or "uppladdad")
    return DigestResult(rid, "sent", file_id)
