"""Small real document files for the library tests: PDFs with a text layer (written by hand, one page
per text), a scanned-like PDF without text, an encrypted PDF (pypdf), a Word file (python-docx)."""
from __future__ import annotations

import io
from pathlib import Path


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(pages: list[str]) -> bytes:
    """A valid PDF whose pages carry the given lines as real text (Helvetica, WinAnsi)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    page_ids = [3 + 2 * i for i in range(n_pages)]
    font_id = 3 + 2 * n_pages
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [" + b" ".join(f"{p} 0 R".encode() for p in page_ids) +
                   b"] /Count " + str(n_pages).encode() + b" >>")
    for i, text in enumerate(pages):
        lines = text.split("\n")
        ops = [b"BT /F1 11 Tf 14 TL 50 800 Td"]
        for line in lines:
            ops.append(_pdf_string(line) + b" Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font_id} 0 R "
                       f">> >> /Contents {page_ids[i] + 1} 0 R >>".encode())
        objects.append(b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_blank_pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def make_encrypted_pdf(pages: list[str]) -> bytes:
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for p in PdfReader(io.BytesIO(make_pdf(pages))).pages:
        w.add_page(p)
    w.encrypt(user_password="hemligt", owner_password="hemligt", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def make_docx(path: Path, blocks: list[tuple[str, str]]) -> Path:
    """blocks: ("h1"|"p", text)."""
    import docx

    d = docx.Document()
    for kind, text in blocks:
        if kind == "h1":
            d.add_heading(text, level=1)
        else:
            d.add_paragraph(text)
    d.save(str(path))
    return path


def engine_with_accepted(data: Path, text: str, *, filename: str, title: str):
    """An engine on the curated knowledge plus one text document added to a library in `data`, every draft
    accepted — what a coordinator gets after `dokument lägg-till` and `granska --godkänn all`."""
    from engine.knowledge_layers import load_live, open_library
    from engine.library import drafts
    from engine.library.document import DocumentText
    from engine.qa import Engine

    lib = open_library(data, None)
    doc = lib.add(DocumentText(pages=[text]), filename=filename, title=title)
    drafts.draft_and_store(lib, doc)
    drafts.decide(lib, doc, accept="all")
    return Engine(load_live(data, None))
