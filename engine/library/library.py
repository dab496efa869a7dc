"""The library on disk: STIMULANS_DATA_DIR/dokument/<id>.json per added document, plus the five seed
documents read from ../shared/seeds when that folder is present (registered with their real titles,
never copied).

    lib = Library(data_dir / "dokument", seeds_dir)
    doc = lib.add(DocumentText(pages=[...]), filename="pm.pdf", title=None)   # DocumentError on bad input
    lib.documents(); lib.get("dok-1a2b3c4d5e"); lib.remove("dok-1a2b3c4d5e")
"""
from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from engine.library.catalog import SEEDS
from engine.library.document import (
    DocumentError,
    DocumentText,
    LibraryDocument,
    clean_text,
    content_hash,
    document_id,
    propose_date,
    propose_dnr,
    propose_title,
    split_sections,
)
from engine.models import as_dict, validate

#: Larger files are refused before they are read (a 50 MB scan is not a memo).
MAX_BYTES = 20 * 1024 * 1024
#: Fewer letters than this after extraction: a scan without a text layer, or an empty file.
MIN_LETTERS = 40


def _iso(value: object) -> str:
    """Dates and times in the library's JSON: ISO 8601, as they are read back."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def write_atomic(path: Path, data: str | bytes) -> None:
    """`data` (text as UTF-8, or bytes) to `path` through a temp file (0600) and a rename: a reader sees the
    old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with (os.fdopen(fd, "w", encoding="utf-8") if isinstance(data, str) else os.fdopen(fd, "wb")) as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Library:
    def __init__(self, directory: Path, seeds_dir: Path | None = None):
        self.directory = Path(directory)
        self.seeds_dir = Path(seeds_dir) if seeds_dir is not None else None
        self._seed_cache: dict[str, LibraryDocument] = {}
        self._added_key: tuple | None = None
        self._added: list[LibraryDocument] = []

    # -- reading -------------------------------------------------------------------------------
    def seeds(self) -> list[LibraryDocument]:
        if self.seeds_dir is None or not self.seeds_dir.is_dir():
            return []
        out = []
        for stem, meta in SEEDS.items():
            path = self.seeds_dir / f"{stem}.txt"
            if not path.is_file():
                continue
            if stem not in self._seed_cache:
                text = path.read_text(encoding="utf-8", errors="replace")
                dt_text = DocumentText(pages=[text], kind="txt")
                self._seed_cache[stem] = LibraryDocument(
                    id=stem, title=meta.title, publisher=meta.publisher, date=meta.date, dnr=meta.dnr,
                    url=meta.url, filename=path.name, kind="txt", sha256=content_hash(text), pages=0,
                    sections=split_sections(dt_text, first_heading=meta.full_title[:80]), seed=True,
                )
            out.append(self._seed_cache[stem])
        return out

    def added(self) -> list[LibraryDocument]:
        """The added documents (parsed again only when a file in the folder changed)."""
        if not self.directory.is_dir():
            return []
        paths = [p for p in sorted(self.directory.glob("dok-*.json")) if not p.name.endswith(".drafts.json")]
        try:
            key = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
        except OSError:
            key = None
        if key is not None and key == self._added_key:
            return list(self._added)
        out = []
        for path in paths:
            try:
                out.append(validate(LibraryDocument, json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError) as e:  # pydantic's ValidationError is a ValueError
                raise DocumentError(f"{path}: dokumentet kan inte läsas ({type(e).__name__})") from e
        out.sort(key=lambda d: (d.added or dt.datetime.min, d.id))
        self._added_key, self._added = key, out
        return list(out)

    def documents(self) -> list[LibraryDocument]:
        return self.seeds() + self.added()

    def get(self, doc_id: str) -> LibraryDocument:
        doc_id = (doc_id or "").strip()
        for d in self.documents():
            if d.id == doc_id:
                return d
        matches = [d for d in self.documents() if doc_id and d.id.startswith(doc_id)]
        if len(matches) == 1:
            return matches[0]
        raise DocumentError(f"inget dokument med id ”{doc_id}” (se `stimulans dokument lista`)")

    # -- writing -------------------------------------------------------------------------------
    def add(self, text: DocumentText, *, filename: str | None = None, title: str | None = None,
            publisher: str | None = None, date: dt.date | None = None, url: str | None = None,
            now: dt.datetime | None = None) -> LibraryDocument:
        """Validate and store. Raises DocumentError (nothing stored) on empty text or a duplicate."""
        name = filename or "dokumentet"
        body = clean_text(text.text)
        if sum(ch.isalpha() for ch in body) < MIN_LETTERS:
            if text.kind == "pdf":
                raise DocumentError(f"{name}: PDF:en har inget textlager (inskannad?); "
                                    "kör OCR eller lägg till en textversion")
            raise DocumentError(f"{name}: filen innehåller ingen text")
        sha = content_hash(body)
        for other in self.documents():
            if other.sha256 == sha:
                raise DocumentError(f"{name}: samma text finns redan i biblioteket som ”{other.title}” ({other.id})")
        sections = split_sections(text)
        if not sections:
            raise DocumentError(f"{name}: filen innehåller ingen text")
        doc = LibraryDocument(
            id=document_id(sha), title=(title or propose_title(text)).strip()[:200],
            publisher=publisher, date=date or propose_date(text), dnr=propose_dnr(text), url=url,
            filename=Path(filename).name if filename else None, kind=text.kind,
            added=now or dt.datetime.now(dt.UTC).replace(microsecond=0), sha256=sha,
            pages=len(text.pages) if text.kind in ("pdf", "docx") or len(text.pages) > 1 else 0,
            sections=sections,
        )
        write_atomic(self.directory / f"{doc.id}.json", json.dumps(as_dict(doc), ensure_ascii=False, indent=1, default=_iso))
        return doc

    def remove(self, doc_id: str) -> LibraryDocument:
        doc = self.get(doc_id)
        if doc.seed:
            raise DocumentError(f"{doc.title} är ett av källdokumenten och kan inte tas bort")
        (self.directory / f"{doc.id}.json").unlink(missing_ok=True)
        (self.directory / f"{doc.id}.drafts.json").unlink(missing_ok=True)
        (self.layer_dir / f"{doc.id}.yaml").unlink(missing_ok=True)  # its accepted facts go with it
        return doc

    @property
    def layer_dir(self) -> Path:
        """Where accepted drafts live as knowledge-base files (the live knowledge layer)."""
        return self.directory.parent / "kunskap"
