"""Document-file adapter: .pdf (pypdf, text layer), .docx (python-docx), .txt/.md → DocumentText.

The engine never sees a file format: it receives pages of text and the headings the format marks.
Every refusal is a DocumentError with one clear line (the CLI exits 2 on it, nothing is stored).
"""
from __future__ import annotations

import io
import logging
from pathlib import Path

from engine.library.document import DocumentError, DocumentText
from engine.library.library import MAX_BYTES

log = logging.getLogger(__name__)

SUPPORTED = (".pdf", ".docx", ".txt", ".md")


def read_document(path: Path | str) -> DocumentText:
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DocumentError(f"{name}: filen kan inte läsas ({e.strerror or e})") from e
    if not path.is_file():
        raise DocumentError(f"{name}: är ingen fil")
    if size > MAX_BYTES:
        raise DocumentError(f"{name}: filen är för stor ({size / 1024 / 1024:.0f} MB; högst "
                            f"{MAX_BYTES // 1024 // 1024} MB)")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"{name}: filen kan inte läsas ({e.strerror or e})") from e
    return parse_bytes(data, name)


def parse_bytes(data: bytes, name: str) -> DocumentText:
    """Parse file content by its name's extension (a Slack upload arrives as bytes)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(f"{name}: okänt filformat ”{suffix or '(inget)'}”; använd .pdf, .docx, .txt eller .md")
    if len(data) > MAX_BYTES:
        raise DocumentError(f"{name}: filen är för stor ({len(data) / 1024 / 1024:.0f} MB; högst "
                            f"{MAX_BYTES // 1024 // 1024} MB)")
    if not data.strip():
        raise DocumentError(f"{name}: filen är tom")
    if suffix == ".pdf":
        return _pdf(data, name)
    if suffix == ".docx":
        return _docx(data, name)
    return _text(data, name, suffix)


def _pdf(data: bytes, name: str) -> DocumentText:
    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise DocumentError(f"{name}: är ingen PDF (filen saknar PDF-huvud)")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(f"{name}: PDF:en är krypterad eller lösenordsskyddad; spara en olåst kopia")
        pages = [(p.extract_text() or "") for p in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as e:
        log.debug("pdf parse failed", exc_info=True)
        raise DocumentError(f"{name}: PDF:en är skadad och kan inte läsas ({type(e).__name__})") from e
    if not pages:
        raise DocumentError(f"{name}: PDF:en har inga sidor")
    if sum(ch.isalpha() for p in pages for ch in p) < 40:
        raise DocumentError(f"{name}: PDF:en har inget textlager (inskannad?); kör OCR eller lägg till en textversion")
    return DocumentText(pages=pages, kind="pdf")


def _docx(data: bytes, name: str) -> DocumentText:
    import zipfile

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError(f"{name}: är ingen Word-fil (.docx)")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise DocumentError(f"{name}: Word-filen är skadad och kan inte läsas ({type(e).__name__})") from e
    lines: list[str] = []
    headings: set[str] = set()
    for para in document.paragraphs:
        text = para.text.strip()
        style = (para.style.name if para.style is not None else "") or ""
        if text and (style.lower().startswith(("heading", "rubrik")) or style.lower() == "title"):
            headings.add(" ".join(text.split()))
        lines.append(text)
    for table in document.tables:  # tables after the body text, one row per line
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            lines.append(" ".join(dict.fromkeys(c for c in cells if c)))
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError(f"{name}: Word-filen innehåller ingen text")
    return DocumentText(pages=[text], headings=headings, kind="docx")


def _text(data: bytes, name: str, suffix: str) -> DocumentText:
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{name}: är ingen textfil (binärt innehåll)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise DocumentError(f"{name}: texten kan inte avkodas (spara som UTF-8)")
    pages = text.split("\f") if "\f" in text else [text]
    return DocumentText(pages=pages, kind="md" if suffix == ".md" else "txt")
