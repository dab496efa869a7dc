"""Post layouts of agreements and circulars nobody has curated (issue #11): a list of "Name   410 000 tkr" lines,
lettered items "a) 420 miljoner kronor anslås till …" under numbered sub-headings that name the level, and a
per-region table whose abbreviated column heading ("BUP") is the listed post its column sums to."""
from __future__ import annotations

from decimal import Decimal

from engine.library import drafts
from engine.library.document import DocumentText

# Invented names and amounts, no seed's layout.
CIRCULAR = """Cirkulär om fördelning 2031

Medel till regionerna 2031

Tre satsningar riktas till regionerna:

Snabbare psykiatrisk öppenvård        30 000 tkr
Ätstörningsvård                       10 000 tkr
Totalt till regionerna                40 000 tkr

Tabell 1. Fördelning per region 2031, tkr

Region                Invånare   Andel, %   ÖV, tkr   Ätstörningsvård, tkr   Summa, tkr
Region Gotland          61 189     20,00      6 000        2 000               8 000
Region Blekinge        156 989     30,00      9 000        3 000              12 000
Region Kronoberg       204 413     50,00     15 000        5 000              20 000
Riket                  422 591    100,00     30 000       10 000              40 000

Utbetalning
Regionerna behöver inte rekvirera medlen.
"""

AGREEMENT = """Överenskommelse 2031

3. Ekonomisk ram
För 2031 avsätter staten sammanlagt 900 miljoner kronor.

3.1 Medel som tillförs regionerna

  a) 200 miljoner kronor anslås till insatser för äldre med psykisk ohälsa.
     Fördelning sker efter befolkningsmängd.
  b) 100 miljoner kronor anslås till utveckling av den rättspsykiatriska vården.

3.2 Medel som tillförs kommunerna

  c) 150 miljoner kronor anslås till kommunernas arbete med hemlöshet.
"""


def _items(text: str, title: str):
    from engine.knowledge import load_knowledge
    from engine.library.document import LibraryDocument, content_hash, split_sections

    doc = LibraryDocument(id="dok-00000000bb", title=title, sha256=content_hash(text),
                          sections=split_sections(DocumentText(pages=[text])))
    return drafts.draft(doc, load_knowledge())


def test_listed_lines_of_name_and_amount_are_posts_and_the_total_is_not():
    posts = {i.data["name"]: i.data for i in _items(CIRCULAR, "Cirkulär 2031") if i.kind == "post"}
    assert Decimal(posts["Snabbare psykiatrisk öppenvård"]["amount"]) == Decimal(30_000_000)
    assert Decimal(posts["Ätstörningsvård"]["amount"]) == Decimal(10_000_000)
    assert all(p["level"] == "region" for p in posts.values())
    assert not any("Totalt" in n for n in posts)


def test_an_abbreviated_column_is_the_listed_post_its_sum_equals():
    items = _items(CIRCULAR, "Cirkulär 2031")
    posts = {i.data["name"]: i.data for i in items if i.kind == "post"}
    assert not any("-kolumn-" in i.data["id"] for i in items if i.kind == "post")
    assert "ÖV" in posts["Snabbare psykiatrisk öppenvård"]["synonyms"]
    pid = posts["Snabbare psykiatrisk öppenvård"]["id"]
    rows = {i.data["recipient"]: Decimal(i.data["amount"]) for i in items
            if i.kind == "allocation" and i.data.get("post") == pid}
    assert rows["region-09"] == Decimal(6_000_000)  # Gotland


def test_lettered_items_take_the_level_of_their_sub_heading():
    posts = {Decimal(i.data["amount"]): i.data for i in _items(AGREEMENT, "Överenskommelse 2031") if i.kind == "post"}
    assert posts[Decimal(200_000_000)]["level"] == "region"
    assert posts[Decimal(100_000_000)]["level"] == "region"
    assert posts[Decimal(150_000_000)]["level"] == "kommun"


# Invented: two lists under lead-ins naming the level, one recipient sentence per county-shared post.
RECEIVERS = """Meddelande om fördelning 2032

Den ekonomiska ramen

Överenskommelsen omfattar för 2032 totalt 700 000 000 kronor.

Stimulansmedel fördelas till regionerna enligt följande:

• 300 000 000 kronor för insatser till äldre och anhöriga inom psykiatrin. Medlen fördelas efter befolkningsmängd.

Stimulansmedel fördelas till länen enligt följande:

• 100 000 000 kronor för att stärka arbetet med stöd till äldre och anhöriga i länet. Medlen fördelas efter
befolkningsmängd. Mottagare av medlen är den aktör i ett län som kommuner och region anger.

• 50 000 000 kronor för att stärka hemlöshetsarbetet. Medlen utbetalas till den aktör som länets kommuner anger
med fördelningsnyckel 1 miljon kronor per län.
"""


def test_who_receives_a_post_is_read_from_its_own_list_item():
    posts = {Decimal(i.data["amount"]): i.data for i in _items(RECEIVERS, "Meddelande 2032") if i.kind == "post"}
    assert posts[Decimal(100_000_000)]["paid_to"] == "den aktör i ett län som kommuner och region anger"
    assert posts[Decimal(50_000_000)]["paid_to"] == "den aktör som länets kommuner anger"
    assert "paid_to" not in posts[Decimal(300_000_000)]


def test_a_pair_of_the_name_is_a_synonym_unless_another_post_of_its_level_uses_it():
    posts = {Decimal(i.data["amount"]): i.data for i in _items(RECEIVERS, "Meddelande 2032") if i.kind == "post"}
    # the county post also says "äldre och anhöriga", but at another level: the level asked tells them apart
    assert "äldre och anhöriga" in posts[Decimal(300_000_000)]["synonyms"]


# Invented: the consequence of a late report two sentences after its deadline.
LATE_REPORT = """Överenskommelse 2033

Redovisning

En ekonomisk redovisning ska lämnas till Kammarkollegiet senast den 31 mars 2034. Ekonomichefen ska intyga
uppgifterna. Underskrift i original ska finnas med. Om redovisningen inte inkommer i tid kan regeringen
återkräva stödet.
"""


def test_a_consequence_a_few_sentences_after_its_deadline_is_the_deadlines():
    dls = [i.data for i in _items(LATE_REPORT, "Överenskommelse 2033") if i.kind == "deadline"]
    assert [d["consequence"] for d in dls if d["kind"] == "ekonomisk_redovisning"] == [
        "Om redovisningen inte inkommer i tid kan regeringen återkräva stödet."]
