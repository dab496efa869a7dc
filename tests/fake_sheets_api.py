"""A fake Google Sheets API v4 on 127.0.0.1, so gspread's own client code runs unmodified in tests.

Implements what sheets/google.py uses: the OAuth token endpoint (service-account JWT grant),
spreadsheets.get, values:batchGet, values:batchUpdate, values:append and spreadsheets:batchUpdate
(addSheet, updateSheetProperties, repeatCell, setDataValidation, addProtectedRange, updateCells,
findReplace — atomically per batchUpdate, like Google). Like Google it has NO conditional write. It keeps state,
enforces sharing (403 for a service account the sheet is not shared with, 404 for unknown ids),
interprets USER_ENTERED like Google ("=..." becomes a formula, "0114" becomes 114) and RAW as plain
values, and can inject 429 (with Retry-After), 5xx and latency. Every API request is counted.
"""
from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

SERVICE_EMAIL = "stimulans-bot@stimulans-test.iam.gserviceaccount.com"


@dataclass
class Formula:
    text: str


@dataclass
class FakeSheet:
    sheet_id: int
    title: str
    index: int
    grid: list[list[Any]] = field(default_factory=list)
    frozen_rows: int = 0
    protected: list[dict[str, Any]] = field(default_factory=list)
    validations: list[dict[str, Any]] = field(default_factory=list)
    formats: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeSpreadsheet:
    id: str
    title: str
    shared_with: set[str]
    sheets: list[FakeSheet] = field(default_factory=list)

    def sheet(self, title: str) -> FakeSheet | None:
        return next((s for s in self.sheets if s.title == title), None)


@dataclass
class Fault:
    status: int
    times: int
    retry_after: str | None = None
    match: str | None = None  # substring of "METHOD path" this fault applies to


class ApiError(Exception):
    def __init__(self, status: int, message: str, reason: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.status, self.message, self.reason = status, message, reason


_RANGE = re.compile(r"^(?:(?P<c1>[A-Z]+)?(?P<r1>\d+)?)(?::(?:(?P<c2>[A-Z]+)?(?P<r2>\d+)?))?$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _split_range(rng: str) -> tuple[str, str]:
    rng = rng.strip()
    if rng.startswith("'"):
        end = 1
        title = ""
        while end < len(rng):
            if rng[end] == "'" and end + 1 < len(rng) and rng[end + 1] == "'":
                title += "'"
                end += 2
                continue
            if rng[end] == "'":
                break
            title += rng[end]
            end += 1
        rest = rng[end + 1:]
        return title, rest[1:] if rest.startswith("!") else rest
    if "!" in rng:
        title, _, rest = rng.partition("!")
        return title, rest
    return rng, ""


def _bounds(a1: str) -> tuple[int, int, int | None, int | None]:
    """(first row, first col, last row or None, last col or None), 1-based."""
    if not a1:
        return 1, 1, None, None
    m = _RANGE.match(a1.upper())
    if not m:
        raise ApiError(400, f"Unable to parse range: {a1}")
    r1 = int(m["r1"]) if m["r1"] else 1
    c1 = _col_index(m["c1"]) if m["c1"] else 1
    if ":" not in a1:
        return r1, c1, r1, c1
    r2 = int(m["r2"]) if m["r2"] else None
    c2 = _col_index(m["c2"]) if m["c2"] else None
    return r1, c1, r2, c2


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    out = []
    for r in rows:
        r = list(r)
        while r and r[-1] in (None, ""):
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def _user_entered(v: Any) -> Any:
    if isinstance(v, str):
        if v.startswith("=") or v.startswith("+") and len(v) > 1 and not v[1:].replace(".", "").isdigit():
            return Formula(v if v.startswith("=") else "=" + v[1:])
        if re.fullmatch(r"-?\d+", v):
            return int(v)
        if re.fullmatch(r"-?\d+\.\d+", v):
            return float(v)
    return v


def _render(v: Any, option: str) -> Any:
    if isinstance(v, Formula):
        return v.text if option == "FORMULA" else "#ERROR!"
    if option == "FORMATTED_VALUE" and isinstance(v, int | float) and not isinstance(v, bool):
        return str(int(v)) if float(v).is_integer() else str(v)
    return v


class FakeSheetsAPI:
    """Start with `with FakeSheetsAPI() as api:`; api.api_url is the Sheets v4 base URL."""

    def __init__(self) -> None:
        self.spreadsheets: dict[str, FakeSpreadsheet] = {}
        self.tokens: dict[str, str] = {}
        self.calls: list[str] = []
        self.token_requests = 0
        self.faults: list[Fault] = []
        self.latency = 0.0
        self.gate: threading.Event | None = None  # when set to an unset Event, API calls wait for it
        self.lock = threading.RLock()
        self._ids = itertools.count(1000)
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> FakeSheetsAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802
                api._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                api._handle(self, "POST")

            def do_PUT(self) -> None:  # noqa: N802
                api._handle(self, "PUT")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return self.url + "/v4/spreadsheets"

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    # -- test helpers ----------------------------------------------------------------------------
    def create_spreadsheet(self, sheet_id: str = "fake-sheet-0001", *, shared_with: tuple[str, ...] = (SERVICE_EMAIL,),
                           title: str = "Stimulans") -> FakeSpreadsheet:
        with self.lock:
            ss = FakeSpreadsheet(id=sheet_id, title=title, shared_with=set(shared_with))
            ss.sheets.append(FakeSheet(sheet_id=0, title="Blad1", index=0))
            self.spreadsheets[sheet_id] = ss
            return ss

    def fail(self, status: int, times: int = 1, *, retry_after: str | None = None, match: str | None = None) -> None:
        with self.lock:
            self.faults.append(Fault(status, times, retry_after, match))

    def reset_calls(self) -> None:
        with self.lock:
            self.calls.clear()

    def human_set(self, sheet_id: str, tab: str, a1: str, value: Any) -> None:
        """A person typing into a cell in the browser (USER_ENTERED semantics)."""
        with self.lock:
            sheet = self.spreadsheets[sheet_id].sheet(tab)
            assert sheet is not None, tab
            r, c, _, _ = _bounds(a1)
            self._put(sheet, r, c, _user_entered(value))

    def cell(self, sheet_id: str, tab: str, a1: str) -> Any:
        with self.lock:
            sheet = self.spreadsheets[sheet_id].sheet(tab)
            assert sheet is not None
            r, c, _, _ = _bounds(a1)
            if r - 1 < len(sheet.grid) and c - 1 < len(sheet.grid[r - 1]):
                return sheet.grid[r - 1][c - 1]
            return None

    def grid(self, sheet_id: str, tab: str) -> list[list[Any]]:
        with self.lock:
            sheet = self.spreadsheets[sheet_id].sheet(tab)
            return _trim(sheet.grid) if sheet else []

    # -- request handling ------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(req.path)
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(length) if length else b""
        try:
            if parsed.path == "/token":
                status, body, headers = 200, self._token(raw), {}
            else:
                status, body, headers = self._api(req, method, parsed.path, parse_qs(parsed.query), raw)
        except ApiError as e:
            status, body, headers = e.status, {"error": {"code": e.status, "message": e.message, "status": e.reason}}, {}
        data = json.dumps(body).encode()
        req.send_response(status)
        req.send_header("Content-Type", "application/json; charset=UTF-8")
        req.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            req.send_header(k, v)
        req.end_headers()
        req.wfile.write(data)

    def _token(self, raw: bytes) -> dict[str, Any]:
        form = parse_qs(raw.decode())
        assertion = (form.get("assertion") or [""])[0]
        try:
            payload = assertion.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError) as e:
            raise ApiError(400, "invalid_grant", "invalid_grant") from e
        with self.lock:
            self.token_requests += 1
            token = f"fake-token-{next(self._ids)}"
            self.tokens[token] = claims.get("iss", "")
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _api(self, req: BaseHTTPRequestHandler, method: str, path: str, query: dict[str, list[str]],
             raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        with self.lock:
            self.calls.append(f"{method} {path}")
            fault = next((f for f in self.faults if f.match is None or f.match in f"{method} {path}"), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
        if self.latency:
            time.sleep(self.latency)
        gate = self.gate
        if gate is not None:
            gate.wait(60)
        if fault is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            reason = "RESOURCE_EXHAUSTED" if fault.status == 429 else "INTERNAL"
            return fault.status, {"error": {"code": fault.status, "message": "injected fault", "status": reason}}, headers
        auth = req.headers.get("Authorization", "")
        email = self.tokens.get(auth.removeprefix("Bearer ").strip())
        if email is None:
            raise ApiError(401, "Request is missing valid authentication credential.", "UNAUTHENTICATED")
        m = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", path)
        if not m:
            raise ApiError(404, f"unknown path {path}", "NOT_FOUND")
        with self.lock:
            ss = self.spreadsheets.get(m[1])
            if ss is None:
                raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
            if email not in ss.shared_with:
                raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
            body = json.loads(raw) if raw else {}
            rest = m[2]
            if method == "GET" and rest == "":
                return 200, self._get(ss), {}
            if method == "GET" and rest == "/values:batchGet":
                return 200, self._batch_get(ss, query), {}
            if method == "POST" and rest == "/values:batchUpdate":
                return 200, self._values_batch_update(ss, body), {}
            if method == "POST" and rest.startswith("/values/") and rest.endswith(":append"):
                return 200, self._append(ss, unquote(rest[len("/values/"):-len(":append")]), query, body), {}
            if method == "POST" and rest == ":batchUpdate":
                return 200, self._batch_update(ss, body), {}
            raise ApiError(404, f"not implemented in the fake: {method} {path}", "NOT_FOUND")

    # -- endpoints -------------------------------------------------------------------------------
    def _sheet_meta(self, s: FakeSheet) -> dict[str, Any]:
        rows = max(1000, len(s.grid))
        return {"properties": {"sheetId": s.sheet_id, "title": s.title, "index": s.index, "sheetType": "GRID",
                               "gridProperties": {"rowCount": rows, "columnCount": 26, "frozenRowCount": s.frozen_rows}},
                "protectedRanges": list(s.protected)}

    def _get(self, ss: FakeSpreadsheet) -> dict[str, Any]:
        return {"spreadsheetId": ss.id, "properties": {"title": ss.title, "locale": "sv_SE",
                                                       "timeZone": "Europe/Stockholm"},
                "sheets": [self._sheet_meta(s) for s in ss.sheets]}

    def _resolve(self, ss: FakeSpreadsheet, rng: str) -> tuple[FakeSheet, tuple[int, int, int | None, int | None]]:
        title, a1 = _split_range(rng)
        sheet = ss.sheet(title)
        if sheet is None:
            raise ApiError(400, f"Unable to parse range: {rng}")
        return sheet, _bounds(a1)

    def _batch_get(self, ss: FakeSpreadsheet, query: dict[str, list[str]]) -> dict[str, Any]:
        option = (query.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        out = []
        for rng in query.get("ranges", []):
            sheet, (r1, c1, r2, c2) = self._resolve(ss, rng)
            rows = sheet.grid[r1 - 1: r2 if r2 is not None else None]
            values = [[_render(v, option) for v in row[c1 - 1: c2 if c2 is not None else None]] for row in rows]
            vr: dict[str, Any] = {"range": rng, "majorDimension": "ROWS"}
            values = _trim(values)
            if values:
                vr["values"] = values
            out.append(vr)
        return {"spreadsheetId": ss.id, "valueRanges": out}

    @staticmethod
    def _put(sheet: FakeSheet, row: int, col: int, value: Any) -> None:
        while len(sheet.grid) < row:
            sheet.grid.append([])
        line = sheet.grid[row - 1]
        while len(line) < col:
            line.append("")
        line[col - 1] = value

    def _store_value(self, v: Any, option: str) -> Any:
        if option == "USER_ENTERED":
            return _user_entered(v)
        if option != "RAW":
            raise ApiError(400, f"Invalid valueInputOption: {option}")
        return v

    def _values_batch_update(self, ss: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        option = body.get("valueInputOption", "")
        cells = 0
        for item in body.get("data", []):
            sheet, (r1, c1, _, _) = self._resolve(ss, item["range"])
            for i, row in enumerate(item.get("values", [])):
                for j, v in enumerate(row):
                    self._put(sheet, r1 + i, c1 + j, self._store_value(v, option))
                    cells += 1
        return {"spreadsheetId": ss.id, "totalUpdatedCells": cells}

    def _append(self, ss: FakeSpreadsheet, rng: str, query: dict[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
        option = (query.get("valueInputOption") or [""])[0]
        sheet, _ = self._resolve(ss, rng)
        last = len(_trim(sheet.grid))
        rows = body.get("values", [])
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self._put(sheet, last + 1 + i, 1 + j, self._store_value(v, option))
        return {"spreadsheetId": ss.id, "updates": {"updatedRange": f"'{sheet.title}'!A{last + 1}",
                                                    "updatedRows": len(rows)}}

    def _batch_update(self, ss: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        """Like Google: all requests of one batchUpdate apply, or (on any error) none of them."""
        before = copy.deepcopy(ss.sheets)
        try:
            return self._apply_requests(ss, body)
        except ApiError:
            ss.sheets = before
            raise

    def _find_replace(self, ss: FakeSpreadsheet, args: dict[str, Any]) -> dict[str, Any]:
        """Google's findReplace on plain values (no regex): non-empty cells whose whole text (or a part of
        it) equals `find` become `replacement`. The reply counts what changed; nothing is conditional
        beyond that — it is the only compare-and-set the API offers."""
        find, repl = args.get("find", ""), args.get("replacement", "")
        if not find:
            raise ApiError(400, "Invalid requests[0].findReplace: find must not be empty.")
        if args.get("searchByRegex"):
            raise ApiError(400, "searchByRegex not implemented in the fake")
        if "range" in args:
            rng = args["range"]
            sheets = [self._by_id(ss, rng["sheetId"])]
        elif "sheetId" in args:
            rng, sheets = {}, [self._by_id(ss, args["sheetId"])]
        else:
            rng, sheets = {}, list(ss.sheets)
        changed = 0
        for sheet in sheets:
            r1, r2 = rng.get("startRowIndex", 0), rng.get("endRowIndex")
            c1, c2 = rng.get("startColumnIndex", 0), rng.get("endColumnIndex")
            for ri, line in enumerate(sheet.grid):
                if ri < r1 or (r2 is not None and ri >= r2):
                    continue
                for ci, v in enumerate(line):
                    if ci < c1 or (c2 is not None and ci >= c2) or not isinstance(v, str) or v == "":
                        continue
                    same = (v == find) if args.get("matchCase") else (v.lower() == find.lower())
                    if args.get("matchEntireCell"):
                        if same:
                            line[ci] = repl
                            changed += 1
                    elif find in v:
                        line[ci] = v.replace(find, repl)
                        changed += 1
        return {"findReplace": {"valuesChanged": changed, "occurrencesChanged": changed,
                                "rowsChanged": changed, "sheetsChanged": 1 if changed else 0, "formulasChanged": 0}}

    def _apply_requests(self, ss: FakeSpreadsheet, body: dict[str, Any]) -> dict[str, Any]:
        replies: list[dict[str, Any]] = []
        for req in body.get("requests", []):
            (kind, args), = req.items()
            if kind == "addSheet":
                props = args.get("properties", {})
                if ss.sheet(props["title"]) is not None:
                    raise ApiError(400, f"A sheet with the name \"{props['title']}\" already exists.")
                if props.get("sheetId") is not None and any(x.sheet_id == props["sheetId"] for x in ss.sheets):
                    raise ApiError(400, f"A sheet with id {props['sheetId']} already exists.")
                sheet = FakeSheet(sheet_id=props.get("sheetId", next(self._ids)), title=props["title"],
                                  index=len(ss.sheets))
                ss.sheets.append(sheet)
                replies.append({"addSheet": self._sheet_meta(sheet)})
                continue
            if kind == "findReplace":
                replies.append(self._find_replace(ss, args))
                continue
            if kind == "updateCells":
                sheet = self._by_id(ss, args["start"]["sheetId"])
                for i, row in enumerate(args.get("rows", [])):
                    for j, cell in enumerate(row.get("values", [])):
                        value = cell.get("userEnteredValue", {})
                        v = value.get("stringValue", value.get("numberValue", ""))
                        self._put(sheet, args["start"].get("rowIndex", 0) + 1 + i,
                                  args["start"].get("columnIndex", 0) + 1 + j, v)
            elif kind == "updateSheetProperties":
                sheet = self._by_id(ss, args["properties"]["sheetId"])
                frozen = args["properties"].get("gridProperties", {}).get("frozenRowCount")
                if frozen is not None:
                    sheet.frozen_rows = frozen
            elif kind == "repeatCell":
                self._by_id(ss, args["range"]["sheetId"]).formats.append(args)
            elif kind == "setDataValidation":
                self._by_id(ss, args["range"]["sheetId"]).validations.append(args)
            elif kind == "addProtectedRange":
                pr = dict(args["protectedRange"])
                sheet = self._by_id(ss, pr["range"]["sheetId"])
                pr["protectedRangeId"] = next(self._ids)
                sheet.protected.append(pr)
            else:
                raise ApiError(400, f"request {kind} not implemented in the fake")
            replies.append({})
        return {"spreadsheetId": ss.id, "replies": replies}

    @staticmethod
    def _by_id(ss: FakeSpreadsheet, sheet_id: int) -> FakeSheet:
        sheet = next((s for s in ss.sheets if s.sheet_id == sheet_id), None)
        if sheet is None:
            raise ApiError(400, f"No grid with id: {sheet_id}")
        return sheet


@lru_cache(maxsize=1)
def _private_key_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def service_account_info(token_uri: str, email: str = SERVICE_EMAIL) -> dict[str, str]:
    """A service-account key like the JSON Google Cloud Console hands out, pointing at the fake token URI."""
    return {
        "type": "service_account", "project_id": "stimulans-test", "private_key_id": "fake-key-1",
        "private_key": _private_key_pem(), "client_email": email, "client_id": "1234567890",
        "token_uri": token_uri, "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    }
