"""Invoice and requisition drafts (issue #14): generated files are read back (python-docx, pypdf, text)."""
from __future__ import annotations

import pytest

import bot.runtime
from bot.cli import main
from engine.drafts import BLANK, check_invoice_text, invoice_draft, recipient_amount, requisition_draft
from engine.knowledge import load_knowledge
from engine.store import StatusUpdate
from sheets.outputs import read_document_text
from sheets.tabular import TabularStore
from sheets.workbook import WorkbookBackend

DANDERYD = "kommun-0162"
STORSTHLM_SRC = "Storsthlm – fakturering av länsgemensamma stimulansmedel för sammanhållen vård 2020, avsnitt Skicka faktura till Storsthlm – senast den 1 december 2020"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge()


@pytest.fixture
def no_sheet(monkeypatch, tmp_path):
    """A store with an empty workbook (no contacts, no extra fields)."""
    store = TabularStore(WorkbookBackend(tmp_path / "empty.xlsx"), kb=load_knowledge())
    store.backend.ensure_tabs({"Kontakter": ["Namn", "E-post", "Slack-id", "Mottagare", "Kod", "Roll"]})
    monkeypatch.setattr(bot.runtime, "get_store", lambda settings=None: store)
    return store


def _docx_text(path) -> str:
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows]
    return "\n".join(parts)


# ------------------------------------------------------------------ acceptance


def test_danderyd_invoice_docx_has_every_element_and_a_labelled_estimate(tmp_path, no_sheet, capsys):
    out = tmp_path / "f.docx"
    assert main(["faktura", "Danderyd", "--år", "2020", "--format", "docx", "--ut", str(out)]) == 0
    assert "beräknat" in capsys.readouterr().out
    text = _docx_text(out)
    for needed in ("faktura@storsthlm.se", "S/20/0002", "717/771", "Ingen moms", "Box 38145",
                   "Rekvirering av stimulansmedel 2020 inom området psykisk hälsa", "Danderyds kommun"):
        assert needed in text, needed
    # the amount is labelled as an estimate, prominently, with its inputs
    assert "BERÄKNAT BELOPP, INTE PUBLICERAT" in text
    assert "146 116,38 kr (beräknat)" in text
    assert "10 570 973 kr" in text and "32 857 av 2 377 081" in text
    # every filled field is traceable to its source; blanks are marked
    assert STORSTHLM_SRC in text and "SCB folkmängd" in text
    assert text.count(BLANK) >= 3
    # the banner is bold and red in the document itself
    from docx import Document

    first = next(p for p in Document(str(out)).paragraphs if "BERÄKNAT" in p.text)
    assert first.runs[0].bold and str(first.runs[0].font.color.rgb) == "C00000"


def test_kontrollera_reports_a_missing_reference(tmp_path, kb, capsys):
    invoice = tmp_path / "faktura.txt"
    invoice.write_text(
        "Faktura till Storsthlm, Box 38145, 100 64 STOCKHOLM\n"
        "Rekvirering av stimulansmedel 2020 inom området psykisk hälsa, dnr S/20/0002\n"
        "Belopp: 146 116 kr. Ingen moms (statligt bidrag).\n"
        "Bankgiro 5050-1055\nMedlen ska användas till: SIP-arbete i utskrivningsprocessen\n", encoding="utf-8")
    assert main(["faktura", "--kontrollera", str(invoice)]) == 1
    out = capsys.readouterr().out
    lines = {ln.split("(")[0].strip() for ln in out.splitlines()}
    assert "SAKNAS  Referens" in lines
    assert "finns   Dnr" in lines and "finns   Ingen moms" in lines and "finns   Belopp" in lines
    assert "1 av 7 krav saknas: Referens (717/771)." in out
    invoice.write_text(invoice.read_text(encoding="utf-8") + "Referens 717/771\n", encoding="utf-8")
    assert main(["faktura", "--kontrollera", str(invoice)]) == 0
    assert "Alla krav finns med." in capsys.readouterr().out


def test_kontrollera_on_a_generated_pdf_counts_blanks_as_missing(tmp_path, no_sheet, capsys):
    pdf = tmp_path / "f.pdf"
    assert main(["faktura", "Danderyd", "--ut", str(pdf)]) == 0
    text = read_document_text(pdf)  # pypdf
    assert "faktura@storsthlm.se" in text and "S/20/0002" in text and "717/771" in text
    assert "BERÄKNAT BELOPP" in text and "Källa: Storsthlm" in text and "000_d71a" not in text
    capsys.readouterr()
    assert main(["faktura", "--kontrollera", str(pdf)]) == 1
    out = capsys.readouterr().out
    assert "SAKNAS  Konto för utbetalning" in out and "SAKNAS  Vad pengarna" in out
    assert "finns   Referens" in out and "finns   Dnr" in out


def test_kontrollera_reads_docx(tmp_path, kb):
    from docx import Document

    doc = Document()
    doc.add_paragraph("Rekvirering av stimulansmedel 2020 inom området psykisk hälsa. Dnr S/20/0002. Ref 717/771.")
    doc.add_paragraph("Summa 100 000 kr, moms 0 %. Plusgiro 12 34 56-7. Pengarna används till SIP.")
    path = tmp_path / "f.docx"
    doc.save(str(path))
    result = check_invoice_text(kb, read_document_text(path))
    assert result.missing == []


def test_kontrollera_of_a_missing_or_broken_file_is_one_line(tmp_path, capsys):
    assert main(["faktura", "--kontrollera", str(tmp_path / "nope.pdf")]) == 2
    assert "finns inte" in capsys.readouterr().err
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    assert main(["faktura", "--kontrollera", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "Kan inte läsa bad.docx" in err and "Traceback" not in err


# ------------------------------------------------------------------ the content


def test_sheet_only_fields_come_from_kontakter_and_rekvisitioner(tmp_path, kb):
    store = TabularStore(WorkbookBackend(tmp_path / "wb.xlsx"), kb=kb)
    store.init_schema()
    store.backend.append_rows("Kontakter", [["Dan Danderyd", "dan@danderyd.se", "", "Danderyds kommun", "0162",
                                             "kontakt"]])
    store.invalidate()
    row = next(s for s in store.snapshot().statuses if s.key.recipient_id == DANDERYD and s.key.agreement == "ok2020")
    store.update_status(StatusUpdate(key=row.key, actor="test",
                                     changes={"Planerad användning": "SIP i utskrivningsprocessen"}))
    draft = invoice_draft(kb, DANDERYD, 2020, store.refresh())
    assert draft.get("kontaktperson").value == "Dan Danderyd, dan@danderyd.se"
    assert draft.get("kontaktperson").source.startswith("arket: Kontakter rad ")
    assert draft.get("anvandning").value == "SIP i utskrivningsprocessen"
    assert draft.get("anvandning").source == f"arket: Rekvisitioner rad {row.row}"
    assert draft.get("orgnr").value == "" and draft.get("konto").value == ""  # not in the sheet's schema
    assert f"Organisationsnummer: {BLANK}" in draft.plain_text()


def test_every_filled_field_has_a_source(kb):
    for draft in (invoice_draft(kb, DANDERYD, 2020), requisition_draft(kb, "kommun-2080", 2019)):
        for f in draft.fields:
            assert bool(f.value) == bool(f.source), (draft.kind, f.label)
            if not f.value:
                assert f.note, f.label


def test_published_amount_is_not_an_estimate(kb):
    amount = recipient_amount(kb, "kommun-2031", 2020, "ok2020")  # Rättvik: published per post
    assert amount is not None and not amount.estimate
    assert amount.value == "318 737,21 kr" and "Region Dalarna – förslag på användning av medlen 2020" in amount.source


def test_invoice_for_a_recipient_it_does_not_concern_is_refused(no_sheet, capsys):
    assert main(["faktura", "Falun"]) == 2
    assert "gäller kommunerna i Stockholms län, inte Falu kommun" in capsys.readouterr().err
    assert main(["faktura", "Danderyd", "--år", "2012"]) == 2
    assert "ingen faktura för 2012" in capsys.readouterr().err
    assert main(["faktura", "Ingenstans"]) == 2
    assert "Känner inte igen mottagaren" in capsys.readouterr().err


def test_requisition_follows_the_2019_bilaga_1_fields(tmp_path, no_sheet, capsys):
    out = tmp_path / "r.docx"
    assert main(["rekvisition", "Falun", "--år", "2019", "--ut", str(out)]) == 0
    text = _docx_text(out)
    for label in ("Bidragsmottagare", "Organisationsnummer", "Kontaktperson", "Postadress", "Telefon inkl. riktnummer",
                  "Faxnummer", "E-postadress", "Regeringskansliets diarienummer för bakomliggande överenskommelse",
                  "Överenskommelsens benämning", "Belopp som rekvireras", "Perioden rekvisitionen avser",
                  "Bankgiro/plusgiro", "Önskad betalningsreferens", "Datum", "Underskrift", "Namnförtydligande"):
        assert label in text, label
    assert "Falu kommun" in text and "Insatser inom området psykisk hälsa 2019" in text
    assert "SKL – överenskommelse om insatser inom området psykisk hälsa 2019, avsnitt Bilaga 1" in text and "BERÄKNAT BELOPP" in text
    assert main(["rekvisition", "Falun", "--år", "2021"]) == 2
    assert "ingen rekvisitionsblankett för 2021" in capsys.readouterr().err


def test_txt_to_stdout(no_sheet, capsys):
    assert main(["faktura", "Danderyd"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Fakturaunderlag 2020: Danderyds kommun till Storsthlm")
    assert "Referens (punkt 1): 717/771" in out


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_sheet_text_with_control_characters_still_renders(fmt, tmp_path):
    from engine.drafts import Draft, DraftField
    from sheets.outputs import render_draft

    nasty = "=HYPERLINK(\"x\")\x07 \u202e Användning 😀 \x00slut"
    draft = Draft("faktura", "Fakturaunderlag", "kommun-0162", "Danderyds kommun", 2020, "ok2020",
                  [DraftField("anvandning", "Vad pengarna ska användas till", nasty, "arket: Rekvisitioner rad 2")])
    path = tmp_path / f"f.{fmt}"
    path.write_bytes(render_draft(draft, fmt))
    text = read_document_text(path)
    assert "HYPERLINK" in text and "slut" in text and "\x07" not in text
