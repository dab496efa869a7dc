"""Requirement headings with a section number and a note ("5. Grundkrav 2037", "5.1 Grundkrav 2038
(aviserade)") are read like "Grundkrav 2013": their list becomes that year's requirements, and the next
numbered section ends it and its year (issue #11, the second unseen bank). The text is made up."""
from __future__ import annotations

from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections

TEXT = """Bilaga 1 till överenskommelsen 2037

5. Grundkrav 2037

Följande grundkrav ska vara uppfyllda för år 2037:

1. Det finns en gemensam plan för psykisk hälsa i länet.
2. Det finns en utsedd samordnare för suicidprevention.

5.1 Grundkrav 2038 (aviserade)

Parterna avser att ställa följande grundkrav för 2038:

1. Det finns en digital vägvisare för unga.

6. Användning av medlen

Medlen får användas för personal och utbildning. Medlen får inte användas för investeringar i byggnader.
"""


def _facts():
    doc = LibraryDocument(id="dok-0000000b22", title="Bilaga 1 – 2037 (prov)", sha256=content_hash(TEXT),
                          sections=split_sections(DocumentText(pages=[TEXT])))
    return [i.data for i in drafts.draft(doc, load_knowledge()) if i.kind == "fact"]


def test_numbered_requirement_headings_give_each_year_its_list():
    got = {(f["topic"], f["year"]): f["items"] for f in _facts() if f.get("items")}
    assert [x[:2] for x in got[("grundkrav", 2037)][1:]] == ["1.", "2."], got
    assert any("vägvisare" in x for x in got[("grundkrav", 2038)]), got
    assert not any("investeringar" in x for x in got[("grundkrav", 2038)]), got  # section 6 is not a requirement


def test_the_next_numbered_section_has_no_requirement_year():
    rules = [f for f in _facts() if "investeringar" in f.get("text", "")]
    assert rules and all(f.get("year") != 2038 for f in rules), rules
