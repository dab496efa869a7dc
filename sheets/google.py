"""The Google Sheets backend: gspread + a google-auth service account.

- Reads: ONE `values:batchGet` for every tab (UNFORMATTED_VALUE, so codes typed as text keep
  their leading zeros and amounts come back as numbers; dates as their formatted string).
- Writes: `values:batchUpdate` / `values:append` with valueInputOption RAW, so nothing typed
  ("=IMPORTXML(...)", "+SUM(...)", "0114") is ever turned into a formula or a number.
- 429 and 5xx (and dropped connections) are retried with bounded exponential backoff that honours
  Retry-After (capped at RETRY_AFTER_CAP); every operation ends within OPERATION_DEADLINE seconds;
  the sleep function is injectable so tests never really sleep.
- Writes hold a lease (`transaction()`, see there) so two processes never interleave a read-check-write.
- `STIMULANS_SHEETS_API_URL` points the client at another Sheets API v4 base URL (the local fake in
  tests, or a proxy): gspread builds URLs from the constants in gspread.urls, and our HTTP client
  rewrites that base before each request — gspread's own code runs unchanged.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import socket
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import gspread
import requests
from google.auth.transport.requests import AuthorizedSession
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.http_client import HTTPClient
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL

from engine.formatting import describe_os_error
from engine.sheet.rows import a1 as cell_a1
from engine.sheet.rows import cell_text, col_letter
from engine.store import StoreError
from sheets.backend import (
    AMOUNT_FORMAT,
    DATE_FORMAT,
    TEXT_FORMAT,
    Backend,
    Cell,
    Grid,
    column_choices,
    column_kind,
)

log = logging.getLogger(__name__)

SCOPES = ["https://www.googleapis.com/auth/spreadsheets"]
RETRY_STATUS = {429, 500, 502, 503, 504}
HEADER_PROTECTION = "Stimulans rubrikrad"
_RANGE_ERROR = re.compile(r"Unable to parse range|not found", re.I)
#: every Google operation (one API call and all its retries) gives up after this many seconds
OPERATION_DEADLINE = 20.0
#: a Retry-After longer than this is not waited for in full (the deadline still applies)
RETRY_AFTER_CAP = 10.0
#: the hidden tab whose A1 is the write lease: "fri", or "låst av <who> till <unix time>"
LOCK_TAB = "Lås"
LOCK_FREE = "fri"
#: a lease lasts this long (a crashed writer blocks others at most this long); writes stop LEASE_MARGIN before
LEASE_SECONDS = 60.0
LEASE_MARGIN = 5.0
#: how long a writer waits for another writer's lease before giving up with a clear message
LEASE_WAIT = 20.0


class RetryingHTTPClient(HTTPClient):
    """gspread's HTTP client with bounded retries, a total deadline and an optional other API base URL.

    Every Google operation (one API call with all its retries) ends within `deadline` seconds
    (OPERATION_DEADLINE): each attempt's timeout is the time left, a wait that would end past the
    deadline is not started, and `Retry-After` is honoured up to RETRY_AFTER_CAP seconds.
    """

    def __init__(self, auth: Any, session: Any = None, *, base_url: str | None = None, max_attempts: int = 5,
                 base_delay: float = 1.0, max_delay: float = 8.0, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = 10.0, deadline: float | None = None):
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.sleep = sleep
        self.timeout = timeout
        self.deadline = OPERATION_DEADLINE if deadline is None else deadline
        self.requests_sent = 0
        self.retries = 0
        self._limit = threading.local()  # an earlier end for this thread (the write lease)

    def until(self, end: float | None) -> None:
        """Operations of this thread must also end by time.monotonic() == end (None: no extra limit)."""
        self._limit.end = end

    def request(self, method: str, endpoint: str, params: Any = None, data: Any = None,  # type: ignore[override]
                json: Any = None, files: Any = None, headers: Any = None):
        if self.base_url and endpoint.startswith(SPREADSHEETS_API_V4_BASE_URL):
            endpoint = self.base_url + endpoint[len(SPREADSHEETS_API_V4_BASE_URL):]
        start = time.monotonic()
        virtual = self.sleep is not time.sleep  # an injected sleep (tests) passes no real time: count it
        slept = 0.0
        lease_end = getattr(self._limit, "end", None)

        def left() -> float:
            spent = time.monotonic() - start + (slept if virtual else 0.0)
            rest = self.deadline - spent
            if lease_end is not None:
                rest = min(rest, lease_end - time.monotonic())
            return rest

        for attempt in range(1, self.max_attempts + 1):
            remaining = left()
            if remaining <= 0:
                raise requests.Timeout(f"no answer within {self.deadline:g} s")
            try:
                self.requests_sent += 1
                extra = {"max_allowed_time": remaining} if isinstance(self.session, AuthorizedSession) else {}
                # max_allowed_time bounds google-auth's token refresh inside the call too
                response = self.session.request(method=method, url=endpoint, json=json, params=params, data=data,
                                                files=files, headers=headers, timeout=min(self.timeout, remaining),
                                                **extra)
                if response.ok:
                    return response
                raise APIError(response)
            except APIError as e:
                status = e.response.status_code
                if status not in RETRY_STATUS or attempt == self.max_attempts:
                    raise
                delay = self._retry_after(e.response)
                delay = self._backoff(attempt) if delay is None else delay
                log.info("Sheets API %s (försök %d/%d); väntar %.1f s", status, attempt, self.max_attempts, delay)
                if delay >= left():  # the answer would come after the deadline: give up now
                    raise
            except (requests.ConnectionError, requests.Timeout):
                delay = self._backoff(attempt)
                if attempt == self.max_attempts or delay >= left():
                    raise
            self.retries += 1
            self.sleep(delay)
            slept += delay
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> float:
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(value).timestamp() - time.time()
            except (TypeError, ValueError):
                return None
        return max(0.0, min(seconds, RETRY_AFTER_CAP))


# --------------------------------------------------------------------------- credentials


#: a service-account key is about 2.3 KB; anything much larger is not one
MAX_KEY_FILE = 64 * 1024


def read_key_file(path: Path) -> str:
    """The key file's text: a regular file only (a FIFO would hang, /dev/zero would fill memory), at most
    MAX_KEY_FILE bytes, UTF-8 — else one clear StoreError that never contains the file's content."""
    missing = (f"Nyckelfilen för tjänstekontot finns inte: {path}. Ladda ner JSON-nyckeln från Google Cloud "
               "Console (IAM → Tjänstekonton → Nycklar) och ange sökvägen i GOOGLE_APPLICATION_CREDENTIALS.")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise StoreError(missing) from None
    except OSError as e:
        raise StoreError(f"Nyckelfilen {path} kan inte läsas: {describe_os_error(e)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"GOOGLE_APPLICATION_CREDENTIALS ({path}) är ingen vanlig fil; ange sökvägen till "
                             "tjänstekontots JSON-nyckel.")
        if info.st_size > MAX_KEY_FILE:
            raise StoreError(f"Nyckelfilen {path} är för stor ({info.st_size} byte) för att vara en JSON-nyckel "
                             "för ett tjänstekonto.")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_KEY_FILE + 1)
    except OSError as e:
        raise StoreError(f"Nyckelfilen {path} kan inte läsas: {describe_os_error(e)}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_KEY_FILE:
        raise StoreError(f"Nyckelfilen {path} är för stor för att vara en JSON-nyckel för ett tjänstekonto.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StoreError(f"Nyckelfilen {path} är inte text (UTF-8); det ska vara tjänstekontots JSON-nyckel "
                         "från Google Cloud Console.") from None


def _service_account_info(settings: Any) -> tuple[dict[str, Any], str]:
    """The service-account JSON (as a dict) and where it came from, or a clear StoreError."""
    if settings.google_credentials_json is not None:
        where = "STIMULANS_GOOGLE_CREDENTIALS_JSON"
        text = settings.google_credentials_json.get_secret_value()
    elif settings.google_credentials_file is not None:
        path = Path(settings.google_credentials_file)
        where = f"GOOGLE_APPLICATION_CREDENTIALS ({path})"
        text = read_key_file(path)
    else:
        raise StoreError("Inga Google-uppgifter: ange GOOGLE_APPLICATION_CREDENTIALS (sökväg till tjänstekontots "
                         "JSON-nyckel) eller STIMULANS_GOOGLE_CREDENTIALS_JSON (själva JSON-texten).")
    try:
        info = json.loads(text)
    except ValueError:
        raise StoreError(f"{where} är inte giltig JSON; det ska vara tjänstekontots nyckelfil från Google Cloud "
                         "Console.") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise StoreError(f"{where} är inte en nyckel för ett tjänstekonto (\"type\": \"service_account\" saknas). "
                         "Skapa en JSON-nyckel för ett tjänstekonto, inte ett OAuth-klient-id.")
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise StoreError(f"{where} saknar {', '.join(missing)}; ladda ner en ny JSON-nyckel för tjänstekontot.")
    return info, where


def redact(text: str, secret: str) -> str:
    """`text` without the secret or any line of it (a private key's PEM lines), for error messages."""
    if secret:
        text = text.replace(secret, "[dold]")
        for line in secret.replace("\\n", "\n").splitlines():
            line = line.strip()
            if len(line) >= 8 and not line.startswith("-----"):
                text = text.replace(line, "[dold]")
    return text


def spreadsheet_id(value: str) -> str:
    value = value.strip()
    if "/" in value:
        try:
            return gspread.utils.extract_id_from_url(value)
        except gspread.exceptions.NoValidUrlKeyFound:
            raise StoreError(f"STIMULANS_GOOGLE_SHEET ”{value}” är ingen länk till ett Google-kalkylark; ange "
                             "länken (https://docs.google.com/spreadsheets/d/...) eller id:t.") from None
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", value):
        raise StoreError(f"STIMULANS_GOOGLE_SHEET ”{value}” ser inte ut som ett kalkylarks-id eller en länk.")
    return value


# --------------------------------------------------------------------------- backend


class GoogleBackend(Backend):
    name = "Google-kalkylarket"

    def __init__(self, credentials: Any, sheet_id: str, client_email: str, *, base_url: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, max_attempts: int = 5):
        self.sheet_id = sheet_id
        self.client_email = client_email
        self.client = gspread.Client(
            credentials,
            http_client=lambda auth, session: RetryingHTTPClient(  # type: ignore[arg-type]
                auth, session, base_url=base_url, sleep=sleep, max_attempts=max_attempts),
        )
        self.http: RetryingHTTPClient = self.client.http_client  # type: ignore[assignment]
        self._spreadsheet: gspread.Spreadsheet | None = None
        self._sheets: dict[str, dict[str, Any]] = {}  # title -> sheet metadata
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self.lease_seconds = LEASE_SECONDS
        self.lease_wait = LEASE_WAIT
        self._wait = time.sleep  # polling for the lease (real time, also in tests)
        self._held = threading.local()

    @classmethod
    def from_settings(cls, settings: Any, *, sleep: Callable[[float], None] = time.sleep,
                      max_attempts: int = 5) -> GoogleBackend:
        from google.oauth2 import service_account

        info, where = _service_account_info(settings)
        try:
            creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
        except (ValueError, KeyError) as e:
            detail = redact(str(e), str(info.get("private_key", "")))
            raise StoreError(f"{where}: nyckeln kan inte användas ({detail}); ladda ner en ny JSON-nyckel.") from None
        if settings.sheets_api_url:
            # Another API endpoint (the local fake in tests, or a proxy): google-auth must not look up the
            # service account's regional access boundary at iamcredentials.googleapis.com either.
            creds._is_regional_access_boundary_lookup_required = lambda: False  # noqa: SLF001
        return cls(creds, spreadsheet_id(settings.google_sheet or ""), info["client_email"],
                   base_url=settings.sheets_api_url, sleep=sleep, max_attempts=max_attempts)

    # -- errors ----------------------------------------------------------------------------------
    def _error(self, exc: Exception, doing: str) -> StoreError:
        share = (f"Dela kalkylarket med tjänstekontots e-post {self.client_email} (som Redigerare) och "
                 "kontrollera STIMULANS_GOOGLE_SHEET.")
        if isinstance(exc, SpreadsheetNotFound):
            return StoreError(f"Kalkylarket {self.sheet_id} hittades inte. {share}")
        if isinstance(exc, PermissionError):
            return StoreError(f"Tjänstekontot {self.client_email} har inte åtkomst till kalkylarket "
                              f"{self.sheet_id}. {share}")
        if isinstance(exc, APIError):
            status = exc.response.status_code
            message = str(exc.error.get("message", ""))
            if status == 403:
                return StoreError(f"Tjänstekontot {self.client_email} har inte åtkomst till kalkylarket "
                                  f"{self.sheet_id} ({doing}). {share}")
            if status == 404:
                return StoreError(f"Kalkylarket {self.sheet_id} hittades inte ({doing}). {share}")
            if status == 401:
                return StoreError(f"Google godtog inte tjänstekontots inloggning ({doing}); kontrollera nyckeln.")
            if status in RETRY_STATUS:
                return StoreError(f"Google Sheets svarar inte ({doing}: HTTP {status}) efter högst "
                                  f"{self.http.max_attempts} försök på {self.http.deadline:g} s; försök igen om en stund.")
            if status == 400 and _RANGE_ERROR.search(message):
                return StoreError(f"En flik saknas i kalkylarket ({doing}); kör `stimulans init-sheet`.")
            return StoreError(f"Google Sheets gav fel ({doing}: HTTP {status}: {message})")
        if isinstance(exc, requests.Timeout):
            return StoreError(f"Google Sheets svarade inte inom {self.http.deadline:g} s ({doing}); försök igen om en stund.")
        if isinstance(exc, requests.RequestException):
            return StoreError(f"Kan inte nå Google Sheets ({doing}): {type(exc).__name__}; försök igen om en stund.")
        from google.auth import exceptions as auth_exc

        if isinstance(exc, auth_exc.RefreshError | auth_exc.TransportError):
            return StoreError(f"Inloggningen med tjänstekontot {self.client_email} misslyckades ({doing}); "
                              "kontrollera nyckeln (den kan vara återkallad) och att Google Sheets API är aktiverat.")
        return StoreError(f"Oväntat fel mot Google Sheets ({doing}): {type(exc).__name__}")

    def _call(self, doing: str, fn: Callable[[], Any]) -> Any:
        from google.auth import exceptions as auth_exc

        try:
            return fn()
        except StoreError:
            raise
        except (APIError, SpreadsheetNotFound, PermissionError, requests.RequestException,
                auth_exc.GoogleAuthError) as e:
            raise self._error(e, doing) from e

    # -- spreadsheet & metadata ------------------------------------------------------------------
    @property
    def spreadsheet(self) -> gspread.Spreadsheet:
        if self._spreadsheet is None:
            self._spreadsheet = self._call("öppna kalkylarket", lambda: self.client.open_by_key(self.sheet_id))
            self._load_metadata()
        return self._spreadsheet

    def _load_metadata(self) -> None:
        ss = self._spreadsheet
        assert ss is not None
        meta = self._call("läsa flikarna", lambda: ss.fetch_sheet_metadata(
            {"includeGridData": "false",
             "fields": "sheets(properties(sheetId,title,gridProperties),protectedRanges)"}))
        self._sheets = {s["properties"]["title"]: s for s in meta.get("sheets", [])}

    # -- the write lease (docs/sheets.md "Samtidiga skrivningar") ---------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the sheet's write lease while reading, checking and writing.

        The Sheets API has no conditional write, but one `spreadsheets:batchUpdate` is applied
        atomically and Google applies a spreadsheet's batchUpdates one after another, and its
        `findReplace` request reports how many cells it changed. So the lease cell `Lås!A1` is taken
        with a compare-and-set: findReplace "fri" → "<token>" (matchEntireCell) succeeds for exactly
        one writer; the others wait (bounded) and then re-read — the store refuses them if the row
        changed. A lease expires after LEASE_SECONDS (a crashed writer), and a writer whose lease is
        about to expire writes nothing.
        """
        if getattr(self._held, "token", None):  # re-entrant within one thread
            yield
            return
        token, expires = self._acquire()
        self._held.token, self._held.expires = token, expires
        # no call inside the lease may still be running when it expires
        self.http.until(time.monotonic() + (expires - LEASE_MARGIN - time.time()))
        try:
            yield
        finally:
            self._held.token = None
            self.http.until(None)
            self._release(token)

    def _lock_sheet_id(self) -> int:
        ss = self.spreadsheet
        if LOCK_TAB not in self._sheets:
            self._load_metadata()
        if LOCK_TAB not in self._sheets:
            sheet_id = int.from_bytes(uuid.uuid4().bytes[:3], "big") + 1
            reqs = [{"addSheet": {"properties": {"sheetId": sheet_id, "title": LOCK_TAB, "hidden": True,
                                                 "gridProperties": {"rowCount": 10, "columnCount": 2}}}},
                    {"updateCells": {"start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                                     "rows": [{"values": [{"userEnteredValue": {"stringValue": LOCK_FREE}}]}],
                                     "fields": "userEnteredValue"}}]
            try:  # tab + free cell in one atomic batchUpdate; a concurrent creator gets 400 and reads ours
                self._call("skapa låsfliken", lambda: ss.batch_update({"requests": reqs}))
            except StoreError:
                pass
            self._load_metadata()
            if LOCK_TAB not in self._sheets:
                raise StoreError("Låsfliken kunde inte skapas i kalkylarket; kontrollera att tjänstekontot är Redigerare.")
        return int(self._sheets[LOCK_TAB]["properties"]["sheetId"])

    def _swap(self, sheet_id: int, find: str, replacement: str) -> bool:
        """Compare-and-set of Lås!A1: True when the cell held exactly `find` and now holds `replacement`."""
        req = {"findReplace": {"find": find, "replacement": replacement, "matchCase": True, "matchEntireCell": True,
                               "searchByRegex": False, "includeFormulas": False,
                               "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                                         "startColumnIndex": 0, "endColumnIndex": 1}}}
        resp = self._call("ta skrivlåset", lambda: self.spreadsheet.batch_update({"requests": [req]}))
        reply = (resp.get("replies") or [{}])[0].get("findReplace") or {}
        return int(reply.get("occurrencesChanged") or 0) == 1

    def _acquire(self) -> tuple[str, float]:
        sheet_id = self._lock_sheet_id()
        give_up = time.monotonic() + self.lease_wait
        delay = 0.02
        while True:
            expires = time.time() + self.lease_seconds
            token = f"låst av {self.owner}/{uuid.uuid4().hex[:8]} till {expires:.3f}"
            try:
                if self._swap(sheet_id, LOCK_FREE, token):
                    return token, expires
            except StoreError:
                self._load_metadata()  # the Lås tab may have been deleted by hand: recreate it, once
                if LOCK_TAB in self._sheets:
                    raise
                sheet_id = self._lock_sheet_id()
                continue
            current = self._read_lock()
            if not current:
                # someone emptied the cell by hand (findReplace never matches an empty cell): make it free.
                # Limit: two writers repairing at the very same moment could both take it once.
                log.warning("skrivlåset %s!A1 var tomt; sätter det till %s", LOCK_TAB, LOCK_FREE)
                self._call("laga skrivlåset", lambda: self.spreadsheet.values_batch_update({
                    "valueInputOption": "RAW", "data": [{"range": f"{_quote(LOCK_TAB)}!A1", "values": [[LOCK_FREE]]}]}))
                continue
            held_until = _lease_expiry(current)
            if current and (held_until is None or held_until < time.time()):
                # a crashed writer's lease (or garbage typed into the cell): take it over, atomically
                if self._swap(sheet_id, current, token):
                    log.warning("tog över ett utgånget skrivlås (%s)", current[:80])
                    return token, expires
            if time.monotonic() > give_up:
                raise StoreError("Kalkylarket är upptaget av en annan skrivning just nu; inget skrevs. Försök igen.")
            self._wait(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)

    def _read_lock(self) -> str:
        resp = self._call("läsa skrivlåset", lambda: self.spreadsheet.values_batch_get(
            [f"{_quote(LOCK_TAB)}!A1"], {"valueRenderOption": "UNFORMATTED_VALUE"}))
        values = (resp.get("valueRanges") or [{}])[0].get("values") or [[""]]
        return cell_text(values[0][0] if values[0] else "")

    def _release(self, token: str) -> None:
        try:
            if not self._swap(self._lock_sheet_id(), token, LOCK_FREE):
                log.warning("skrivlåset hade redan tagits över när det skulle släppas")
        except StoreError as e:  # it expires by itself
            log.warning("skrivlåset kunde inte släppas (%s); det går ut av sig självt", e)

    def _check_lease(self, doing: str) -> None:
        """Inside a transaction: write only while the lease is safely ours."""
        if getattr(self._held, "token", None) and time.time() > self._held.expires - LEASE_MARGIN:
            raise StoreError(f"Skrivlåset gick ut innan {doing} hann skrivas (Google svarade för långsamt); "
                             "inget mer skrevs. Försök igen.")

    # -- Backend ---------------------------------------------------------------------------------
    def read_tabs(self, tabs: list[str]) -> dict[str, Grid | None]:
        ss = self.spreadsheet
        present = [t for t in tabs if t in self._sheets]
        out: dict[str, Grid | None] = dict.fromkeys(tabs)
        if not present:
            return out
        params = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING",
                  "majorDimension": "ROWS"}
        try:
            resp = self._call("läsa bladet", lambda: ss.values_batch_get([_quote(t) for t in present], dict(params)))
        except StoreError:
            # a tab may have been renamed or removed since we last looked: refresh the tab list once
            self._load_metadata()
            present = [t for t in tabs if t in self._sheets]
            if not present:
                return out
            resp = self._call("läsa bladet", lambda: ss.values_batch_get([_quote(t) for t in present], dict(params)))
        for tab, vr in zip(present, resp.get("valueRanges", []), strict=False):
            out[tab] = [list(r) for r in vr.get("values", [])]
        return out

    def write_cells(self, tab: str, cells: list[Cell]) -> None:
        if not cells:
            return
        self._check_lease(f"ändringen i {tab}")
        body = {"valueInputOption": "RAW",
                "data": [{"range": f"{_quote(tab)}!{cell_a1(r, c)}", "values": [[_json_value(v)]]} for r, c, v in cells]}
        self._call(f"skriva i {tab}", lambda: self.spreadsheet.values_batch_update(body))

    def append_rows(self, tab: str, rows: list[list[Any]]) -> None:
        if not rows:
            return
        self._check_lease(f"raderna i {tab}")
        params = {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"}
        body = {"values": [[_json_value(v) for v in row] for row in rows]}
        self._call(f"lägga till rader i {tab}", lambda: self.spreadsheet.values_append(f"{_quote(tab)}!A1", params, body))

    def ensure_tabs(self, headers: dict[str, list[str]]) -> list[str]:
        ss = self.spreadsheet
        self._load_metadata()
        changes: list[str] = []
        missing_tabs = [t for t in headers if t not in self._sheets]
        if missing_tabs:
            reqs = [{"addSheet": {"properties": {"title": t, "gridProperties": {"rowCount": 1000,
                                                                               "columnCount": max(26, len(headers[t]))}}}}
                    for t in missing_tabs]
            resp = self._call("skapa flikar", lambda: ss.batch_update({"requests": reqs}))
            for reply in resp.get("replies", []):
                props = reply.get("addSheet", {}).get("properties")
                if props:
                    self._sheets[props["title"]] = {"properties": props, "protectedRanges": []}
            changes += [f"{t}: fliken skapad med rubriker" for t in missing_tabs]
        tabs = list(headers)
        resp = self._call("läsa rubriker", lambda: ss.values_batch_get([f"{_quote(t)}!1:1" for t in tabs],
                                                                        {"valueRenderOption": "FORMATTED_VALUE"}))
        current: dict[str, list[str]] = {}
        for tab, vr in zip(tabs, resp.get("valueRanges", []), strict=False):
            values = vr.get("values") or [[]]
            current[tab] = [cell_text(v).strip() for v in values[0]]
        cells: list[tuple[str, int, str]] = []
        repaired: set[str] = set()
        for tab in tabs:
            row = current.get(tab, [])
            while row and not row[-1]:
                row.pop()
            missing = [h for h in headers[tab] if h not in row]
            for i, h in enumerate(missing):
                cells.append((tab, len(row) + 1 + i, h))
            if missing:
                if row and tab not in missing_tabs:
                    changes.append(f"{tab}: rubriker tillagda: {', '.join(missing)}")
                repaired.add(tab)
            current[tab] = row + missing
        if cells:
            body = {"valueInputOption": "RAW", "data": [
                {"range": f"{_quote(t)}!{cell_a1(1, c)}", "values": [[h]]} for t, c, h in cells]}
            self._call("skriva rubriker", lambda: ss.values_batch_update(body))
        reqs = []
        for tab in tabs:
            meta = self._sheets[tab]
            formatted = (meta["properties"].get("gridProperties", {}).get("frozenRowCount", 0) >= 1
                         and any(p.get("description") == HEADER_PROTECTION for p in meta.get("protectedRanges", [])))
            if formatted and tab not in repaired:
                continue
            reqs += self._format_requests(tab, meta["properties"]["sheetId"], current[tab],
                                          protect=not any(p.get("description") == HEADER_PROTECTION
                                                          for p in meta.get("protectedRanges", [])))
            if tab not in repaired and tab not in missing_tabs:
                changes.append(f"{tab}: format satta (låst rubrikrad, rullista, talformat, skyddad rubrik)")
        if reqs:
            self._call("formatera flikar", lambda: ss.batch_update({"requests": reqs}))
            self._load_metadata()
        return changes

    @staticmethod
    def _format_requests(tab: str, sheet_id: int, header: list[str], *, protect: bool) -> list[dict[str, Any]]:
        reqs: list[dict[str, Any]] = [
            {"updateSheetProperties": {"properties": {"sheetId": sheet_id, "gridProperties": {"frozenRowCount": 1}},
                                       "fields": "gridProperties.frozenRowCount"}},
            {"repeatCell": {"range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                            "cell": {"userEnteredFormat": {"textFormat": {"bold": True},
                                                           "backgroundColor": {"red": 0.87, "green": 0.92, "blue": 0.97}}},
                            "fields": "userEnteredFormat(textFormat,backgroundColor)"}},
        ]
        for i, h in enumerate(header):
            kind = column_kind(tab, h)
            col = {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": i, "endColumnIndex": i + 1}
            fmt = {"amount": {"type": "NUMBER", "pattern": AMOUNT_FORMAT},
                   "date": {"type": "DATE", "pattern": DATE_FORMAT},
                   "text": {"type": "TEXT", "pattern": TEXT_FORMAT}}.get(kind or "")
            if fmt:
                reqs.append({"repeatCell": {"range": col, "cell": {"userEnteredFormat": {"numberFormat": fmt}},
                                            "fields": "userEnteredFormat.numberFormat"}})
            choices = column_choices(tab, h)
            if choices:
                what = "status (andra ord som ”ja” eller ”klart” förstås också)" if kind == "status" else h.lower()
                reqs.append({"setDataValidation": {"range": col, "rule": {
                    "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in choices]},
                    "strict": False, "showCustomUi": True, "inputMessage": f"Välj {what}"}}})
        if protect:
            reqs.append({"addProtectedRange": {"protectedRange": {
                "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1},
                "description": HEADER_PROTECTION, "warningOnly": True}}})
        return reqs


def _lease_expiry(token: str) -> float | None:
    m = re.search(r" till (\d+(?:\.\d+)?)$", token)
    return float(m.group(1)) if m else None


def _quote(tab: str) -> str:
    return "'" + tab.replace("'", "''") + "'"


#: Google Sheets refuses a cell of more than 50 000 characters (the whole write would fail).
MAX_CELL_CHARS = 50000


def _json_value(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int | float):
        return v
    text = v if isinstance(v, str) else cell_text(v)
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


__all__ = ["GoogleBackend", "RetryingHTTPClient", "spreadsheet_id", "col_letter"]
