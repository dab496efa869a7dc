"""Amount questions: a recipient's published allocation, a post's national amount, a level's sum,
an agreement's total. Published figures only; computed estimates are labelled "beräknat"."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from engine import lexicon
from engine.answer import Answer
from engine.answers.common import covered_years, matches_year, uniq_sources, years_text
from engine.formatting import format_kr, format_kr_with_mkr, round_kr
from engine.knowledge import KnowledgeBase
from engine.models import Allocation, Level, Post, Recipient, RecipientKind
from engine.text import fold
from engine.understanding import Query

_LEVEL_LABEL = {
    "region": "regionerna", "kommun": "kommunerna", "lan": "länen (länsgemensamma medel)", "skr": "SKR",
    "kommun_och_region": "kommuner och regioner gemensamt",
}
_RECIPIENT_LEVEL = {RecipientKind.kommun: "kommun", RecipientKind.region: "region", RecipientKind.lan: "lan"}


def answer(kb: KnowledgeBase, q: Query) -> Answer | None:
    if _asks_carried_over(q):
        carried = _carried_over(kb, q)
        if carried is not None:
            return carried
    if q.years and not any(y in covered_years(kb) for y in q.years):
        return _year_not_covered(kb, q)
    if q.has(*lexicon.RANK_WORDS) or rank_place(q) > 1:
        ranked = _ranking(kb, q)
        if ranked is not None:
            return ranked
    parts: list[Answer] = []
    recipients = q.recipients
    context_years: list[int] = []
    if any(r.kind != RecipientKind.aktor for r in recipients):
        # "fakturera Storsthlm": the actor is who is invoiced, not who receives; its pots' years are the context
        for actor in (r for r in recipients if r.kind == RecipientKind.aktor):
            context_years += [a.year for a in _group_pots(kb, actor, q)]
        recipients = [r for r in recipients if r.kind != RecipientKind.aktor]
    for r in recipients:
        if r.kind == RecipientKind.skr:
            skr_posts = [p for p in q.posts if p.level.value == "skr"]
            if q.posts and not skr_posts:
                continue  # "I SKL:s beslut står att brukarmedverkan …": SKL is the context, the post is asked
            a = _posts_answer(kb, q, skr_posts) if skr_posts else _level_answer(kb, q, ["skr"])
        elif r.kind == RecipientKind.myndighet:
            continue
        elif r.kind == RecipientKind.aktor:
            a = _actor_answer(kb, q, r)
        else:
            a = _recipient_answer(kb, q, r, context_years)
        if a is not None:
            parts.append(a)
    if len(parts) > 1 and q.has(*lexicon.SUM_WORDS):
        summed = _recipients_sum(kb, q, [r for r in recipients if r.kind in _RECIPIENT_LEVEL])
        if summed is not None:
            return summed
    if parts:
        return _merge(parts)
    if q.posts:
        a = _posts_answer(kb, q)
        if a is not None:
            return a
        if q.years and not recipients:
            return _post_not_in_year(kb, q)
    if q.levels:
        levels = list(q.levels)
        label = None
        if "kommun_och_region" in levels:
            levels = ["kommun_och_region"]  # "kommuner och landsting gemensamt"
        elif {"kommun", "region"} <= set(levels):
            # "kommuner och regioner" in the documents includes the county-shared posts
            levels += [lv for lv in ("lan", "kommun_och_region") if lv not in levels]
            label = "kommuner och regioner (inklusive länsgemensamma medel)"
        a = _level_answer(kb, q, levels, label)
        if a is not None:
            return a
    if q.years or q.has("overenskommelse", "overenskommelsen", "totalt", "sammanlagt"):
        return _agreement_total(kb, q)
    return None


def rank_place(q: Query) -> int:
    """The place asked for in a ranking: 2 for "näst mest", 3 for "third-largest"/"tredje störst", else 1."""
    m = re.search(r"(?<![a-z])(" + "|".join(lexicon.RANK_ORDINALS) + r")[ -](?:" + "|".join(lexicon.RANK_WORDS)
                  + r")(?![a-z])", q.text)
    return lexicon.RANK_ORDINALS[m.group(1)] if m else 1


def _ranking(kb: KnowledgeBase, q: Query) -> Answer | None:
    """"Vilken kommun i Dalarna får mest?": the county's municipalities ranked by their published totals."""
    counties = {r.county_code for r in q.recipients if r.county_code and r.kind != RecipientKind.kommun}
    if not counties and not q.recipients and len(q.levels) == 1 and q.levels[0] in ("region", "kommun"):
        return _level_ranking(kb, q, RecipientKind.region if q.levels[0] == "region" else RecipientKind.kommun)
    rows: dict[str, Decimal] = {}
    sources = []
    for a in kb.allocations:
        r = kb.recipients.get(a.recipient)
        if (r is None or r.kind != RecipientKind.kommun or r.county_code not in counties
                or not matches_year(kb, a.agreement, q.years, item_year=a.year)):
            continue
        if a.post is None:  # a published total wins over the sum of posts
            rows[a.recipient] = a.amount
            sources.append(a.source)
        elif not any(b.recipient == a.recipient and b.post is None and b.table == a.table for b in kb.allocations):
            rows[a.recipient] = rows.get(a.recipient, Decimal(0)) + a.amount
            sources.append(a.source)
    if len(rows) < 2:
        return None
    least = q.has("minst", "lagst", "least", "smallest") or bool(re.search(r"-(?:least|smallest)(?![a-z])", q.text))
    order = sorted(rows.items(), key=lambda kv: kv[1], reverse=not least)
    place = rank_place(q)
    if place > len(order) or (place > 1 and order[place - 1][1] in (order[place - 2][1], *order[place:place + 1])):
        return None  # no such place, or a tie: which receiver holds it is not clear
    top_id, top_amount = order[place - 1]
    most = 'minst' if least else 'mest'
    which = f"{most} av" if place == 1 else f"nummer {place} räknat från {most}, av"
    lines = [f"{kb.recipients[top_id].name}: {format_kr(top_amount)} – {which} "
             f"{len(order)} kommuner med publicerade belopp."]
    lines += [f"{i}. {kb.recipients[rid].short}: {format_kr(amount)}" for i, (rid, amount) in enumerate(order, 1)]
    return Answer(text="\n".join(lines), intent="amount",
                  facts=[{"recipient": rid, "amount": str(amount)} for rid, amount in order],
                  sources=uniq_sources(sources))


def _level_ranking(kb: KnowledgeBase, q: Query, kind: RecipientKind) -> Answer | None:
    """"Vilken region får mest 2026?": the recipients of one kind ranked by their published totals, all from one
    table (a per-region table of the year); never a sum of posts or a mix of documents."""
    tables: dict[str, dict[str, Allocation]] = defaultdict(dict)
    for a in kb.allocations:
        r = kb.recipients.get(a.recipient)
        if (r is None or r.kind != kind or a.post is not None or not a.table
                or not matches_year(kb, a.agreement, q.years, item_year=a.year)):
            continue
        tables[a.table][a.recipient] = a
    if not tables:
        return None
    rows = max(tables.values(), key=len)
    if len(rows) < 3 or sum(1 for t in tables.values() if len(t) == len(rows)) > 1:
        return None  # too few to rank, or two tables as large: which one is meant is not clear
    least = q.has("minst", "lagst", "least", "smallest")
    order = sorted(rows.values(), key=lambda a: a.amount, reverse=not least)
    if len(order) > 1 and order[0].amount == order[1].amount:
        return None
    what = "regioner" if kind == RecipientKind.region else "kommuner"
    top = order[0]
    lines = [f"{kb.recipients[top.recipient].name}: {format_kr(top.amount)} – {'minst' if least else 'mest'} av "
             f"{len(order)} {what} i tabellen."]
    lines += [f"{i}. {kb.recipients[a.recipient].short}: {format_kr(a.amount)}" for i, a in enumerate(order, 1)]
    return Answer(text="\n".join(lines), intent="amount",
                  facts=[{"recipient": a.recipient, "amount": str(a.amount)} for a in order],
                  sources=uniq_sources([top.source]))


def _asks_carried_over(q: Query) -> bool:
    """"Hur mycket fanns kvar från 2019?" — but not "exklusive 2019-resterna" (the leftover excluded)."""
    kept = re.sub(r"(?<![a-z])(?:" + "|".join(sorted(lexicon.EXCLUDE_WORDS)) + r") [a-z0-9-]+", " ", q.text)
    return any(re.search(r"(?<![a-z0-9])" + re.escape(s), kept) for s in lexicon.CARRIED_OVER_STEMS)


def _carried_over(kb: KnowledgeBase, q: Query) -> Answer | None:
    """"Hur mycket finns kvar från 2019 …?": published amounts the documents describe as left over
    (their note says "kvar"/"kvarvarande"), for the named recipients or the groups in their county."""
    counties = {r.county_code for r in q.recipients if r.county_code}
    ids = {r.id for r in q.recipients}
    rows = [a for a in kb.allocations if a.note and "kvar" in fold(a.note)
            and (not q.recipients or a.recipient in ids or (kb.recipients[a.recipient].county_code in counties))]
    if q.years:
        of_year = [a for a in rows if a.year in q.years or any(str(y) in a.note for y in q.years)]
        # a receiver named: its leftover of another year is still the nearest; none named: only the year asked
        rows = of_year or (rows if q.recipients else [])
    if q.posts and not q.recipients:  # "kvar från 2019 års medel för sammanhållen vård": that post's leftover only
        names = {fold(n) for p in q.posts for n in (p.short, *p.synonyms) if len(n) >= 4}
        rows = [a for a in rows if a.post in {p.id for p in q.posts} or any(n in fold(a.note) for n in names)]
    # a row that is the leftover itself ("Kvarvarande medel från 2019 …") before a total that mentions it
    if not q.has_stem("total", "inklusive", "inkl", "including", "sammanlagt", "sammantaget"):
        rows = [a for a in rows if fold(a.note).startswith("kvar")] or rows
    if not rows:
        return None
    lines = [f"{format_kr(a.amount)}: {a.note.rstrip('.')} ({kb.recipients[a.recipient].name}, {a.year})." for a in rows]
    # the money is from the year its note names ("kvar från 2019"): the answer is about that year too
    origins = [{"year": y} for y in q.years if any(str(y) in a.note for a in rows)]
    return Answer(text="\n".join(lines), intent="amount", facts=[_alloc_fact(a) for a in rows] + origins,
                  sources=uniq_sources([a.source for a in rows]))


# -- recipients -------------------------------------------------------------------------------
def _recipient_answer(kb: KnowledgeBase, q: Query, r: Recipient, context_years: list[int]) -> Answer | None:
    allocs = [a for a in kb.allocations_for(r.id) if matches_year(kb, a.agreement, q.years, item_year=a.year)]
    post_ids = {p.id for p in q.posts}
    if post_ids and not any(a.post in post_ids for a in allocs):
        post_ids |= _named_alike(kb, q.posts, allocs)
    if r.kind == RecipientKind.grupp and (not allocs or (post_ids and not any(a.post in post_ids for a in allocs))):
        members = _members_sum(kb, q, r)
        if members is not None:
            return members
    if (r.kind == RecipientKind.lan and "kommun" in q.levels and post_ids
            and not any(a.post in post_ids for a in allocs)):
        # "summa kunskapsbaserad vård alla kommuner i Dalarna": a municipal post asked for a county's
        # municipalities is the sum of their published amounts, not the county's own (county-shared) money
        members = _members_sum(kb, q, r, label=f"kommunerna i {r.name}")
        if members is not None:
            return members
    if post_ids and not any(a.post in post_ids for a in allocs):
        redirected = _county_instead_of_region(kb, q, r, context_years)
        if redirected is not None:
            return redirected
    if post_ids:
        chosen = [a for a in allocs if a.post in post_ids]
        if not chosen:
            chosen = stated_cells(kb, r.id, [p for p in q.posts if matches_year(kb, p.agreement, q.years,
                                                                                 item_year=p.year)])
        if not chosen and allocs:
            return _not_published(kb, q, r, context_years, note=_available_posts_note(kb, allocs))
        allocs = chosen + _single_post_totals(allocs, chosen, [a for a in kb.allocations_for(r.id)])
    if not allocs:
        return _not_published(kb, q, r, context_years)
    by_year: dict[int, list[Allocation]] = defaultdict(list)
    for a in allocs:
        by_year[a.year].append(a)
    lines: list[str] = []
    facts: list[dict] = []
    for year in sorted(by_year, reverse=True):
        lines.append(_recipient_year_line(kb, r, year, by_year[year]))
        facts += [_alloc_fact(a) for a in by_year[year]]
    if len(by_year) > 1:
        where = "i dokumenten och det delade arket" if any(a.source.tab for a in allocs) else "i dokumenten"
        lines.insert(0, f"{r.name} finns {where} för {years_text(list(by_year))} (senaste först):")
    return Answer(text="\n".join(lines), intent="amount", facts=facts,
                  sources=uniq_sources([a.source for a in allocs]))


_COLUMNS_NOTE = "Tabellens kolumner:"


def _note_columns(note: str | None) -> list[Decimal]:
    """The amounts of a table row whose note lists its columns ("Tabellens kolumner: 1 kr; 2 kr; 3 kr")."""
    if not note or not note.startswith(_COLUMNS_NOTE):
        return []
    from engine.parsing import ParseError, parse_amount

    out = []
    for part in note[len(_COLUMNS_NOTE):].split(";"):
        try:
            out.append(parse_amount(part.strip().removesuffix("kr").strip()))
        except ParseError:
            return []
    return out


def _document_columns(kb: KnowledgeBase, doc: str, year: int) -> list[dict[str, tuple[Decimal, Allocation]]]:
    """Every per-recipient column the document states for a year: each post's rows, and each part column
    of a table whose rows list their columns (the last one, the row total, excluded)."""
    rows = [a for a in kb.allocations if a.source.doc == doc and a.year == year]
    columns: dict[tuple[str, str | int], dict[str, tuple[Decimal, Allocation]]] = defaultdict(dict)
    for a in rows:
        if a.post is not None:
            columns[("post", a.post)][a.recipient] = (a.amount, a)
            continue
        cols = _note_columns(a.note)
        for j, amount in enumerate(cols[:-1]):
            columns[(a.table, j)][a.recipient] = (amount, a)
    return [c for c in columns.values() if len(c) >= 2]


def stated_cells(kb: KnowledgeBase, recipient_id: str, posts: list[Post]) -> list[Allocation]:
    """A post with no rows of its own whose document states a per-recipient column adding up to exactly the
    post's amount: the recipient's cell of that column is its stated figure for the post (a county memo's
    table "Handlingsplaner | Kunskapsstöd | … | Totalt" under the posts it lists). One matching column only."""
    out: list[Allocation] = []
    for p in posts:
        if p.amount is None or any(a.post == p.id for a in kb.allocations):
            continue
        matching = [c for c in _document_columns(kb, p.source.doc, p.year)
                    if abs(sum((v for v, _ in c.values()), Decimal(0)) - p.amount) <= Decimal("1")]
        if len(matching) != 1 or recipient_id not in matching[0]:
            continue
        amount, row = matching[0][recipient_id]
        out.append(replace(
            row, id=f"{row.id}-{p.id}", post=p.id, amount=amount, rounded=False, split_key=None,
            note=f"tabellens kolumn för posten; kolumnen summerar till postens {format_kr(p.amount)}"))
    return out


def _members_sum(kb: KnowledgeBase, q: Query, group: Recipient, label: str | None = None) -> Answer | None:
    """"Hur mycket får Dalarnas kommuner sammanlagt?": the exact sum of the members' published amounts,
    per post, said to be a sum (the documents do not print it)."""
    members = {m.id for m in kb.municipalities_in_county(group.county_code)} if group.county_code else set()
    post_ids = {p.id for p in q.posts}
    rows = [a for a in kb.allocations if a.recipient in members and a.post is not None
            and matches_year(kb, a.agreement, q.years, item_year=a.year) and (not post_ids or a.post in post_ids)]
    if not rows and post_ids:  # the posts' cells of a county table (the members' column of each post)
        asked = [p for p in q.posts if matches_year(kb, p.agreement, q.years, item_year=p.year)]
        rows = [c for m in sorted(members) for c in stated_cells(kb, m, asked)]
    if not rows:
        return None
    by_post: dict[tuple[int, str], list[Allocation]] = defaultdict(list)
    for a in rows:
        by_post[(a.year, a.post)].append(a)
    lines = []
    for (year, post), parts in sorted(by_post.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
        total = sum((a.amount for a in parts), Decimal(0))
        stated = kb.posts[post].amount
        if stated is not None and stated == total:
            name = label or group.name
            lines.append(f"{format_kr(total)}: {kb.posts[post].short} {year} för {name[0].lower()}"
                         f"{name[1:]} (postens belopp i dokumentet; lika med summan av de {len(parts)} "
                         "kommunbeloppen i tabellen).")
            continue
        lines.append(f"{format_kr(total)}: summan av de {len(parts)} publicerade kommunbeloppen för "
                     f"{kb.posts[post].short} {year} i {kb.recipients[f'lan-{group.county_code}'].name} "
                     "(dokumenten skriver inte ut summan; den är räknad exakt ur tabellen).")
    if len(by_post) > 1:
        grand = sum((a.amount for a in rows), Decimal(0))
        lines.insert(0, f"{format_kr(grand)}: {label or group.name} sammanlagt enligt de publicerade beloppen:")
    return Answer(text="\n".join(lines), intent="amount", facts=[_alloc_fact(a) for a in rows],
                  sources=uniq_sources([a.source for a in rows]))


def _recipients_sum(kb: KnowledgeBase, q: Query, recipients: list[Recipient]) -> Answer | None:
    """"Hur mycket får Säter och Hedemora tillsammans 2020?": the sum of two or more named receivers'
    published amounts of one year (their stated totals, or the posts asked), each part shown, said to be a
    sum the documents do not print. None when a receiver has no published amount that year: the answer then
    gives each receiver on its own (and says which one is not published)."""
    if len(recipients) < 2 or len({r.id for r in recipients}) < len(recipients):
        return None
    post_ids = {p.id for p in q.posts}

    def rows(r: Recipient, year: int) -> list[Allocation]:
        own = kb.allocations_for(r.id, year)
        if post_ids:
            return [a for a in own if a.post in post_ids]
        totals = [a for a in own if a.post is None]
        return totals[:1] if totals else [a for a in own if a.post is not None]

    years = q.years or sorted({a.year for a in kb.allocations_for(recipients[0].id)}, reverse=True)
    if len(q.years) > 1:
        return None
    year = next((y for y in years if all(rows(r, y) for r in recipients)), None)
    if year is None:
        return None
    per = [(r, rows(r, year)) for r in recipients]
    if post_ids and any(len({a.post for a in allocs}) != len(allocs) for _, allocs in per):
        return None  # two rows for one post (two tables): which one is meant is not clear
    amounts = [(r, sum((a.amount for a in allocs), Decimal(0))) for r, allocs in per]
    grand = sum((amount for _, amount in amounts), Decimal(0))
    rounded = all(a.rounded for _, allocs in per for a in allocs)
    names = ", ".join(r.name for r, _ in amounts[:-1]) + f" och {amounts[-1][0].name}"
    exact = [a for _, allocs in per for a in allocs]
    what = (" för " + ", ".join(sorted({kb.posts[a.post].short for a in exact if a.post in kb.posts}))) if post_ids else ""
    basis = "de avrundade totalbeloppen" if rounded else ("postbeloppen" if post_ids else "de publicerade beloppen")
    parts_sum = " + ".join(format_kr(amount) for _, amount in amounts)
    lines = [f"{format_kr(grand)} = {parts_sum}: {names} får sammanlagt {format_kr(grand)}{what} {year} "
             f"(summan av {basis}; dokumenten skriver inte ut summan, den är räknad ur tabellen)."]
    lines += [f"• {r.name}: {format_kr(amount)}" for r, amount in amounts]
    if rounded and not post_ids:
        parts = [sum((a.amount for a in kb.allocations_for(r.id, year) if a.post is not None), Decimal(0))
                 for r, _ in amounts]
        if all(parts):
            lines.append(f"Exakt summa av postbeloppen: {format_kr(sum(parts, Decimal(0)))}.")
    return Answer(text="\n".join(lines), intent="amount", facts=[_alloc_fact(a) for a in exact],
                  sources=uniq_sources([a.source for a in exact]))


def _county_instead_of_region(kb: KnowledgeBase, q: Query, r: Recipient, context_years: list[int]) -> Answer | None:
    """County-shared posts asked for a region ("Region Dalarna ungdomsmottagningar") are the county's:
    answer for the county and say so."""
    posts = [p for p in q.posts if matches_year(kb, p.agreement, q.years, item_year=p.year)]
    if r.kind != RecipientKind.region or not r.county_code or not posts or not all(p.level == Level.lan for p in posts):
        return None
    county = kb.recipients.get(f"lan-{r.county_code}")
    if county is None:
        return None
    own = kb.allocations_for(county.id)
    if not any(a.post in {p.id for p in posts} | _named_alike(kb, posts, own) for a in own):
        return None
    inner = _recipient_answer(kb, q, county, context_years)
    if inner is None:
        return None
    names = ", ".join(sorted({p.short for p in posts}))
    note = f"\n{names}: länsgemensamma medel; beloppet gäller {county.name}, inte {r.name} som egen mottagare."
    return replace(inner, text=inner.text + note)


def _named_alike(kb: KnowledgeBase, posts: list[Post], allocs: list[Allocation]) -> set[str]:
    """The posts of these allocations that bear the same name as one asked ("Suicidprevention" in a county's
    drafted table and in the curated agreement): another document's post of that name."""
    names = {fold(n) for p in posts for n in (p.name, p.short)}
    agreements = {p.agreement for p in posts}
    out = set()
    for a in allocs:
        post = kb.posts.get(a.post) if a.post else None
        if post is None:
            continue
        own = {fold(post.name), fold(post.short)}
        if own & names or (post.agreement not in agreements and any(_words_within(x, y) or _words_within(y, x)
                                                                    for x in own for y in names)):
            out.add(post.id)
    return out


def _words_within(short: str, long: str) -> bool:
    """A name of two words or more that another holds as whole words ("Sammanhållen vård" in "Sammanhållen
    vård för personer som behöver insatser …"): the same post as another document words it."""
    a, b = short.strip(" .").split(), long.strip(" .").split()
    if len(a) < 2 or len(a) >= len(b):
        return False
    return any(b[i:i + len(a)] == a for i in range(len(b) - len(a) + 1))


def _single_post_totals(allocs: list[Allocation], chosen: list[Allocation], all_rows: list[Allocation]) -> list[Allocation]:
    """Totals (post None) that answer the question too: a table whose post rows for this recipient are all
    one post (its total is that post's total, e.g. the Stockholm county municipal pot), or a question that
    names every post of the table ("handlingsplaner och kunskapsbaserad tillsammans")."""
    extra = []
    for table in {a.table for a in chosen}:
        rows = [a for a in all_rows if a.table == table]
        table_posts = {a.post for a in rows if a.post}
        if len(table_posts) == 1 or table_posts == {a.post for a in chosen if a.table == table}:
            extra += [a for a in rows if a.post is None and a in allocs]
    return extra


def _recipient_year_line(kb: KnowledgeBase, r: Recipient, year: int, allocs: list[Allocation]) -> str:
    totals = sorted((a for a in allocs if a.post is None), key=lambda a: -a.amount)
    parts = sorted((a for a in allocs if a.post is not None), key=lambda a: -a.amount)
    agreement = kb.agreements.get(allocs[0].agreement)
    ag = f" ({agreement.short})" if agreement else ""
    distinct_posts = len({a.post for a in parts}) == len(parts)
    if not totals and len(parts) > 1 and distinct_posts:
        # no stated total: lead with the exact sum of the published post amounts, then the posts
        sum_parts = sum((a.amount for a in parts), Decimal(0))
        head = (f"{format_kr(sum_parts)}: {r.name} får sammanlagt {format_kr(sum_parts)} {year}{ag} "
                f"(summan av {len(parts)} {'publicerade ' if not any(a.source.tab and a.note for a in parts) else ''}"
                "postbelopp):")
        return "\n".join([head] + [f"• {format_kr(a.amount)}: {_post_name(kb, a)}" + _note(a, r) for a in parts])
    lead = totals[0] if totals else parts[0]
    rest = [a for a in totals + parts if a is not lead]
    what = "" if lead.post is None else f" för {_post_name(kb, lead)}"
    rounded = " (avrundat belopp)" if lead.rounded else ""
    line = f"{format_kr(lead.amount)}{rounded}: {r.name} får {format_kr(lead.amount)}{what} {year}{ag}."
    if not lead.rounded:
        line += _note(lead, r)
    sum_parts = sum((a.amount for a in parts), Decimal(0))
    if lead.post is None and parts and rest == parts and distinct_posts and round_kr(sum_parts) == round_kr(lead.amount):
        detail = "; ".join(f"{_post_name(kb, a)}: {format_kr(a.amount)}" for a in parts)
        return line + f" Fördelat per post: {detail} (summa {format_kr(sum_parts)})."
    if not rest:
        return line
    return "\n".join([line] + [f"• {format_kr(a.amount)}: {_post_name(kb, a)}" + _note(a, r) for a in rest])


def _post_name(kb: KnowledgeBase, a: Allocation) -> str:
    post = kb.posts.get(a.post) if a.post else None
    return post.short if post else "totalt"


def _note(a: Allocation, r: Recipient | None = None) -> str:
    """The allocation's note in parentheses, unless it only repeats a name (the recipient's or a label
    such as the post's column heading)."""
    if not a.note:
        return ""
    folded = fold(a.note).strip(" .")
    if r is not None and folded in (fold(r.short), fold(r.name)):
        return ""
    if len(folded.split()) <= 2 and not any(ch.isdigit() for ch in folded):
        return ""  # a bare label ("Ungdomsmottagningar", "Gagnef")
    return f" ({a.note.rstrip('.')})"


def _available_posts_note(kb: KnowledgeBase, allocs: list[Allocation]) -> str:
    names = sorted({_post_name(kb, a) for a in allocs if a.post})
    return "Dokumenten anger belopp för: " + ", ".join(names) + "." if names else ""


def _alloc_fact(a: Allocation) -> dict:
    return {"id": a.id, "recipient": a.recipient, "post": a.post, "year": a.year, "amount": str(a.amount),
            "rounded": a.rounded, "table": a.table}


def _group_pots(kb: KnowledgeBase, actor: Recipient, q: Query) -> list[Allocation]:
    return [a for a in kb.allocations if matches_year(kb, a.agreement, q.years, item_year=a.year)
            and (g := kb.recipients.get(a.recipient)) is not None and g.kind == RecipientKind.grupp
            and g.county_code == actor.county_code]


def _actor_answer(kb: KnowledgeBase, q: Query, r: Recipient) -> Answer | None:
    """A county actor (Storsthlm) pays out the county's group pots; it has no amount of its own."""
    pots = _group_pots(kb, r, q)
    if not pots:
        return None
    lead = max(pots, key=lambda a: (a.split_key is not None, a.amount))
    group = kb.recipients[lead.recipient]
    lines = [f"{format_kr(lead.amount)}: dokumenten anger inget belopp som {r.short} själv får; {r.short} betalar ut "
             f"medlen till {group.name[0].lower() + group.name[1:]}, {format_kr(lead.amount)} {lead.year}" + _note(lead) + "."]
    lines += [f"• {format_kr(a.amount)}: {_post_name(kb, a)}" + _note(a) for a in pots if a is not lead]
    return Answer(text="\n".join(lines), intent="amount", facts=[_alloc_fact(a) for a in pots],
                  sources=uniq_sources([a.source for a in pots]))


def _default_year(kb: KnowledgeBase, r: Recipient, posts: list[Post], context_years: list[int]) -> int:
    """No year asked: the year the question's context implies (the invoiced actor's pots), else the
    latest year the calculator can say something about, else the latest covered."""
    if context_years:
        return max(context_years)
    # the latest year with a published figure in the recipient's county (Danderyd → 2020, Storsthlm's pot)
    county = [a.year for a in kb.allocations if (x := kb.recipients.get(a.recipient)) is not None
              and r.county_code and x.county_code == r.county_code and x.kind != RecipientKind.kommun]
    for year in sorted(set(county), reverse=True):
        if _estimate(kb, r, year, posts) is not None:
            return year
    for year in sorted(covered_years(kb), reverse=True):
        if _estimate(kb, r, year, posts) is not None:
            return year
    return max(covered_years(kb))


def _not_published(kb: KnowledgeBase, q: Query, r: Recipient, context_years: list[int], note: str = "") -> Answer:
    year = q.years[0] if q.years else _default_year(kb, r, q.posts, context_years)
    lines = [f"Ett eget belopp för {r.name} {year} framgår inte av dokumenten." + (f" {note}" if note else "")]
    # the recipient's own published rows (another year or other posts) are the nearest documented facts
    own = sorted(kb.allocations_for(r.id), key=lambda a: (a.year != year, -a.year))
    sources = [a.source for a in own][:1]
    facts: list[dict] = []
    estimate = False
    est = _estimate(kb, r, year, q.posts)
    if est is not None:
        estimate = True
        lines.extend(est.text_lines())
        sources.extend(est.sources)
        facts.append({"estimate": True, "recipient": r.id, "year": year})
    # the nearest published facts: the pots this recipient's level shares in, and their keys
    from engine.estimates import pot_county  # the calculator is imported when an answer needs it (#13)

    level = _RECIPIENT_LEVEL.get(r.kind)
    pots = [p for p in kb.posts.values() if p.year == year and (level is None or p.level.value == level)
            and pot_county(kb, p) in (None, r.county_code)]  # not another county's own pot
    if est is None and r.kind in (RecipientKind.kommun, RecipientKind.region) and r.county_code:
        county_allocs = [a for a in kb.allocations
                         if a.year == year and kb.recipients.get(a.recipient)
                         and kb.recipients[a.recipient].county_code == r.county_code
                         and kb.recipients[a.recipient].kind in (RecipientKind.grupp,)]
        for a in county_allocs:
            lines.append(f"• {kb.recipients[a.recipient].name}: {format_kr(a.amount)} ({_post_name(kb, a)})" + _note(a))
            sources.append(a.source)
    shown = [p for p in pots if p.amount is not None][:6] if est is None else []
    if shown:
        lines.append("Det dokumenten anger för " + _LEVEL_LABEL.get(level or "", "mottagarna") + f" {year}:")
        for p in shown:
            key = f" – {p.key.description}" if p.key else ""
            lines.append(f"• {p.short}: {format_kr_with_mkr(p.amount)}{key}")
            sources.append(p.source)
    elif not est:
        lines.append("Fråga gärna efter potten och fördelningsnyckeln för " + str(year) + ".")
    return Answer(text="\n".join(lines), intent="amount", facts=facts, sources=uniq_sources(sources),
                  estimate=estimate)


def _estimate(kb: KnowledgeBase, r: Recipient, year: int, posts: list[Post]):
    """The calculator's labelled estimate (engine.estimates), or None. Never presented as published."""
    try:
        from engine.estimates import estimate
    except ImportError:  # pragma: no cover - calculator not installed
        return None
    post_ids = [p.id for p in posts if p.year == year] or [None]
    results = [res for pid in post_ids if (res := estimate(kb, r.id, year, pid)) is not None]
    if not results:
        return None
    return results[0] if len(results) == 1 else _Estimates(results)


class _Estimates:
    """Several per-post estimates shown as one."""

    def __init__(self, results: list):
        self.results = results
        self.sources = [s for res in results for s in res.sources]

    def text_lines(self) -> list[str]:
        return [line for res in self.results for line in res.text_lines()]


# -- posts and levels -------------------------------------------------------------------------
def _posts_answer(kb: KnowledgeBase, q: Query, only: list[Post] | None = None) -> Answer | None:
    posts = [p for p in (only or q.posts) if matches_year(kb, p.agreement, q.years, item_year=p.year)]
    if q.levels and len({"kommun", "region", "lan", "skr"} & set(q.levels)) == 1:
        # "regionerna kunskapsbaserad": the region's post, not the municipalities' of the same name
        lv = [p for p in posts if p.level.value in q.levels or (p.level == Level.kommun_och_region and
                                                                  {"kommun", "region"} & set(q.levels))]
        posts = lv or posts
    if not posts:
        return None
    posts.sort(key=lambda p: (-p.year, p.id))
    stated = [p for p in posts if p.amount is not None]
    if not stated:
        p = posts[0]
        return Answer(
            text=f"Det nationella beloppet för {p.short} {p.year} framgår inte av dokumenten." +
                 (f" Fördelning: {p.key.description}." if p.key else ""),
            intent="amount", sources=uniq_sources([x.source for x in posts]))
    lines = []
    for p in stated:
        key = f" Fördelning: {p.key.description.rstrip('.')}." if p.key and p.key.description else ""
        to = _LEVEL_LABEL.get(p.level.value, p.level.value)
        lines.append(f"{format_kr_with_mkr(p.amount)} till {to} {p.year}: {p.name}.{key}")
    if len(stated) > 1 and len({p.year for p in stated}) == 1:
        total = sum((p.amount for p in stated), Decimal(0))
        lines.append(f"Sammanlagt {format_kr_with_mkr(total)}.")
    facts = [{"post": p.id, "year": p.year, "amount": str(p.amount)} for p in stated]
    return Answer(text="\n".join(lines), intent="amount", facts=facts, sources=uniq_sources([p.source for p in stated]))


def _stated_total(kb: KnowledgeBase, year: int, levels: list[str]):
    """The sum the document states for exactly these levels that year, if it states one."""
    for a in kb.agreements.values():
        if year in a.years:
            for t in a.level_totals:
                if {lv.value for lv in t.levels} == set(levels):
                    return t
    return None


def _level_answer(kb: KnowledgeBase, q: Query, levels: list[str], label: str | None = None) -> Answer | None:
    """What a whole level gets (regionerna, kommunerna, länen, SKR): per year, latest first when no year is
    asked. A sum the document states itself ("Summa landsting") leads; the posts follow."""
    stated = [p for p in kb.posts.values() if p.level.value in levels and p.amount is not None]
    years = q.years or sorted({p.year for p in stated}, reverse=True)
    who = label or " och ".join(_LEVEL_LABEL.get(lv, lv) for lv in levels)
    lines: list[str] = []
    used: list[Post] = []
    sources = []
    facts: list[dict] = []
    for year in years:
        posts = sorted((p for p in stated if p.year == year), key=lambda p: -p.amount)
        if not posts:
            continue
        total = sum((p.amount for p in posts), Decimal(0))
        doc_total = _stated_total(kb, year, levels)
        if lines:
            lines.append("")
        if doc_total is not None:
            lines.append(f"{format_kr_with_mkr(doc_total.amount)}: {doc_total.label} {year} enligt dokumentet.")
            sources.append(doc_total.source)
            facts.append({"level_total": doc_total.label, "year": year, "amount": str(doc_total.amount)})
            if doc_total.amount != total:
                facts += [{"id": p.id} for p in kb.posts.values() if p.year == year and p.amount is not None]
                lines.append(f"Posterna som dokumentet riktar till {who} summerar till {format_kr_with_mkr(total)}; "
                             "skillnaden beror på hur dokumentet placerar posterna (se avvikelse nedan):")
        else:
            lines.append(f"{format_kr_with_mkr(total)}: så mycket går till {who} {year} enligt dokumenten:")
        lines += [f"• {format_kr_with_mkr(p.amount)}: {p.name}" for p in posts]
        used += posts
    if not used:
        return None
    facts += [{"post": p.id, "year": p.year, "amount": str(p.amount)} for p in used]
    return Answer(text="\n".join(lines), intent="amount", facts=facts,
                  sources=uniq_sources(sources + [p.source for p in used]))


def _agreement_total(kb: KnowledgeBase, q: Query) -> Answer | None:
    agreements = [a for a in kb.agreements.values() if a.total is not None and
                  (not q.years or (a.total_year or (a.years[0] if a.years else None)) in q.years or
                   any(y in a.years for y in q.years))]
    if not agreements:
        return None
    agreements.sort(key=lambda a: -(a.total_year or a.years[0]))
    lines = []
    stated = []
    for a in agreements:
        year = a.total_year or a.years[0]
        missing = [y for y in q.years if y in a.years and y != year]
        if missing and year not in q.years:
            # "Hur stor är överenskommelsen 2022?" when its total is stated only for 2021: the 2021 total
            # answers another question, so it is named, not given
            lines.append(f"Beloppet för {years_text(missing)} framgår inte av dokumenten; {a.short} gäller "
                         f"{years_text(a.years)} men totalbeloppet står bara för {year}.")
            continue
        if missing:
            lines.append(f"Beloppet för {years_text(missing)} framgår inte av dokumenten; {a.short} gäller {years_text(a.years)} "
                         f"men beloppen står bara för {year}:")
        stated.append(a)
        lines.append(f"{format_kr_with_mkr(a.total)}: {a.name} omfattar totalt {format_kr(a.total)} för {year}.")
        if a.summary:
            lines.append(a.summary)
    facts = [{"agreement": a.id, "total": str(a.total), "year": a.total_year} for a in stated]
    sources = uniq_sources([a.source for a in agreements])
    if not stated:
        return Answer(text="\n".join(lines), intent="not_in_documents", sources=sources, confident=False)
    return Answer(text="\n".join(lines), intent="amount", facts=facts, sources=sources)


def _post_not_in_year(kb: KnowledgeBase, q: Query) -> Answer:
    """"Hur mycket avsattes för suicidprevention 2019?": the post exists, but not in the year asked."""
    names = ", ".join(dict.fromkeys(p.short for p in q.posts))
    years = sorted({p.year for p in q.posts})
    return Answer(text=f"En post för {names} {years_text(q.years)} framgår inte av dokumenten. Posten finns i "
                       f"dokumenten för {years_text(years)}.", intent="not_in_documents", confident=False,
                  sources=uniq_sources([p.source for p in q.posts][:2]))


def _year_not_covered(kb: KnowledgeBase, q: Query) -> Answer:
    """No agreement for that year: say so, and give what the documents do say about it (e.g. 2019 was
    "en ökning med 360 Mkr jämfört med 2018")."""
    cov = covered_years(kb)
    lines = [f"Uppgifter för {years_text(q.years)} finns inte i dokumenten. Dokumenten täcker {years_text(cov)}."]
    mentions = [f for f in kb.facts if any(str(y) in f.text for y in q.years)]
    sources = []
    if mentions:
        lines.append(f"Det dokumenten säger om {years_text(q.years)}:")
        lines += [f"• {f.text}" for f in mentions[:3]]
        sources = [f.source for f in mentions[:3]]
    return Answer(text="\n".join(lines), intent="amount",
                  facts=[{"fact": f.id} for f in mentions[:3]], sources=uniq_sources(sources))


def _merge(parts: list[Answer]) -> Answer:
    if len(parts) == 1:
        return parts[0]
    return Answer(text="\n\n".join(p.text for p in parts), intent=parts[0].intent,
                  facts=[f for p in parts for f in p.facts],
                  sources=uniq_sources([s for p in parts for s in p.sources]),
                  estimate=any(p.estimate for p in parts))
