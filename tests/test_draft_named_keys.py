"""How a post is distributed, read from a sentence about it by name (issue #11, the second unseen bank): the
sentence that opens with its label ("Post B fördelas …"), not the one after a list that opens with another
post's label; the key sentence of a section headed by its name, with the sentence before a "Resterande …" that
completes it; "varje län" as "per län". The memo is made up for these tests."""
from __future__ import annotations

from engine.knowledge import load_knowledge
from engine.library import drafts
from engine.library.document import DocumentText, LibraryDocument, content_hash, split_sections

MEMO = """Fördelning 2035

Sammanfattning

Kommunernas andel fördelas på två poster:

    Post A  Läxhjälp för unga              500 000 kr
    Post B  Stöd till familjehem           300 000 kr

Nycklarna skiljer sig mellan posterna. Post A fördelas helt efter folkmängd. Post B fördelas med ett grundbelopp
om 10 000 kronor per kommun och resterande 200 000 kronor efter folkmängd.

2. Medel till länen

Medlen på länsnivå:

Regionala resurscentrum: 60 miljoner kronor.

2.1 Regionala resurscentrum

Varje län får först ett fast belopp om 2 miljoner kronor, vilket för landets 21 län blir 42 miljoner kronor.
Resterande 18 miljoner kronor fördelas mellan länen efter befolkningsmängd.
"""


def _posts():
    doc = LibraryDocument(id="dok-00000000ff", title="Fördelning 2035 (prov)", sha256=content_hash(MEMO),
                          sections=split_sections(DocumentText(pages=[MEMO])))
    return {i.data["name"]: i.data for i in drafts.draft(doc, load_knowledge()) if i.kind == "post"}


def test_a_sentence_opening_with_the_posts_label_is_its_key():
    posts = _posts()
    a = next(p for n, p in posts.items() if n.startswith("Post A"))
    b = next(p for n, p in posts.items() if n.startswith("Post B"))
    assert a["key"]["description"] == "Post A fördelas helt efter folkmängd."
    assert b["key"]["description"].startswith("Post B fördelas med ett grundbelopp om 10 000 kronor"), b.get("key")


def test_a_section_headed_by_the_posts_name_gives_its_key():
    post = next(p for n, p in _posts().items() if "resurscentrum" in n.lower())
    assert post["key"]["kind"] == "fixed_plus_population" and post["key"]["per_county"] == "2000000", post.get("key")
