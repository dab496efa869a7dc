"""Distribution-key questions: how a post is split, by population at which date."""
from __future__ import annotations

from engine.answer import Answer
from engine.answers.common import matches_year, uniq_sources, years_text
from engine.formatting import format_date, format_kr_with_mkr
from engine.knowledge import KnowledgeBase
from engine.models import KeyKind, Post
from engine.understanding import Query


def _posts(kb: KnowledgeBase, q: Query) -> list[Post]:
    posts = [p for p in (q.posts or kb.posts.values()) if p.key and matches_year(kb, p.agreement, q.years, item_year=p.year)]
    if q.levels:
        posts = [p for p in posts if p.level.value in q.levels] or posts
    return sorted(posts, key=lambda p: (-p.year, p.id))


def _pot_split(kb: KnowledgeBase, q: Query) -> Answer | None:
    """"Hur fördelas pengarna mellan kommunerna i Stockholms län?": a group pot's own key."""
    pots = [a for a in kb.allocations if a.split_key is not None and a.recipient in {r.id for r in q.recipients}
            and matches_year(kb, a.agreement, q.years, item_year=a.year)]
    if not pots:
        return None
    lines = []
    for a in pots:
        name = kb.recipients[a.recipient].name
        lines.append(f"{a.split_key.description.rstrip('.')}: {format_kr_with_mkr(a.amount)} {a.year} till "
                     f"{name[0].lower() + name[1:]}" + (f" ({a.note.rstrip('.')})" if a.note else "") + ".")
    return Answer(text="\n".join(lines), intent="distribution_key",
                  facts=[{"id": a.id, "key": a.split_key.kind.value} for a in pots],
                  sources=uniq_sources([a.split_key.source for a in pots] + [a.source for a in pots]))


def answer(kb: KnowledgeBase, q: Query) -> Answer | None:
    if q.recipients:
        ans = _pot_split(kb, q)
        if ans is not None:
            return ans
    posts = _posts(kb, q)
    if not posts:
        return None
    asks_date = q.wants_date or q.has("befolkningsmangd", "befolkningsmangden", "befolkningsunderlag",
                                      "befolkningsunderlaget", "invanarantal")
    dated = [p for p in posts if p.key.population_date]
    if asks_date and dated:
        dates = sorted({p.key.population_date for p in dated}, reverse=True)
        lines = []
        for d in dates:
            ps = [p for p in dated if p.key.population_date == d]
            years = sorted({p.year for p in ps})
            lines.append(f"{format_date(d)}: fördelningen {', '.join(map(str, years))} bygger på befolkningsmängden "
                         f"den {format_date(d)} ({ps[0].key.description}).")
        return Answer(text="\n".join(lines), intent="distribution_key",
                      facts=[{"post": p.id, "population_date": p.key.population_date.isoformat()} for p in dated],
                      sources=uniq_sources([p.key.source for p in dated]))
    by_population = [p for p in posts if p.key.kind in (KeyKind.population, KeyKind.fixed_plus_population,
                                                         KeyKind.population_0_25)]
    if q.wants_date and q.has_stem("befolkning") and not dated and by_population:
        # "Vilket datum för befolkningsmängd används 2021?": the key is by population, its date is not stated
        lead = (f"Vilket datum befolkningsmängden avser {years_text(sorted({p.year for p in by_population}))} "
                "framgår inte av dokumenten. Närmast i dokumenten:")
        shown = by_population[:12]
        return Answer(text="\n".join([lead, *(_line(kb, p) for p in shown)]), intent="distribution_key",
                      confident=False, facts=[{"post": p.id, "key": p.key.kind.value} for p in shown],
                      sources=uniq_sources([p.key.source for p in shown]))
    if not q.posts:
        # a general "how is it distributed" for a year: posts grouped by their key, the commonest first
        posts = [p for p in posts if p.key.kind != KeyKind.unstated]
        if not posts:
            return None
        return _grouped(kb, posts)
    metro_first = q.has_stem("storstad", "metropolitan")  # "… för storstadslänen?": their amount first
    lines = [_line(kb, p, metro_first=metro_first) for p in posts[:12]]
    return Answer(text="\n".join(lines), intent="distribution_key",
                  facts=[{"post": p.id, "key": p.key.kind.value} for p in posts[:12]],
                  sources=uniq_sources([p.key.source for p in posts[:12]]))


def _line(kb: KnowledgeBase, p: Post, *, metro_first: bool = False) -> str:
    k = p.key
    amount = f"{format_kr_with_mkr(p.amount)}, " if p.amount is not None else ""
    head = f"{p.name} {p.year} ({amount}{k.description.rstrip('.')})"
    if k.kind == KeyKind.fixed_per_county and k.per_county is not None:
        text = f"{format_kr_with_mkr(k.per_county)} per län"
        if k.metro_per_county is not None:
            metros = [c.short for c in kb.metropolitan_counties()]
            names = ", ".join(metros[:-1]) + " och " + metros[-1] if len(metros) > 1 else "".join(metros)
            if metro_first:  # the question is about the metropolitan counties: their amount leads
                text = (f"{format_kr_with_mkr(k.metro_per_county)} var till de tre storstadslänen ({names}); "
                        f"övriga län får {format_kr_with_mkr(k.per_county)}")
            else:
                text += (f", utom de tre storstadslänen ({names}) som får {format_kr_with_mkr(k.metro_per_county)} var")
        return f"{text}: {head}."
    if k.kind == KeyKind.fixed_plus_population and k.per_county is not None:
        return f"{format_kr_with_mkr(k.per_county)} per län och resten efter befolkningsmängd: {head}."
    if k.population_date:
        return f"Efter befolkningsmängd den {format_date(k.population_date)}: {head}."
    return f"{head}."


def recipient_answer(kb: KnowledgeBase, q: Query) -> Answer | None:
    """Who receives a post's money ("den aktör som regionen och länets kommuner anger")."""
    posts = [p for p in _posts(kb, q) if p in q.posts] or [p for p in q.posts if matches_year(kb, p.agreement, q.years,
                                                                                                item_year=p.year)]
    posts = [p for p in posts if p.paid_to]
    if not posts:
        return None
    lines = [f"{p.paid_to[0].upper() + p.paid_to[1:]}: mottagare av medlen för {p.short.lower()} {p.year}"
             f"{f' ({format_kr_with_mkr(p.amount)})' if p.amount is not None else ''}." for p in posts]
    return Answer(text="\n".join(lines), intent="distribution_key",
                  facts=[{"post": p.id, "paid_to": p.paid_to} for p in posts],
                  sources=uniq_sources([p.source for p in posts]))


def _key_label(kb: KnowledgeBase, p: Post) -> str:
    k = p.key
    if k.kind == KeyKind.fixed_per_county and k.per_county is not None:
        text = f"{format_kr_with_mkr(k.per_county)} per län"
        if k.metro_per_county is not None:
            text += f", {format_kr_with_mkr(k.metro_per_county)} var för de tre storstadslänen"
        return text
    if k.kind == KeyKind.fixed_plus_population and k.per_county is not None:
        return f"{format_kr_with_mkr(k.per_county)} per län och resten efter befolkningsmängd"
    if k.kind == KeyKind.population_0_25:
        return "efter andelen barn och unga 0–25 år"
    if k.kind == KeyKind.population:
        return "efter befolkningsmängd" + (f" den {format_date(k.population_date)}" if k.population_date else "")
    return k.description.rstrip(".")


def _grouped(kb: KnowledgeBase, posts: list[Post]) -> Answer:
    groups: dict[tuple[int, str], list[Post]] = {}
    for p in posts:
        groups.setdefault((p.year, _key_label(kb, p)), []).append(p)
    ordered = sorted(groups.items(), key=lambda kv: (-kv[0][0], -len(kv[1])))
    lines = []
    for (year, label), ps in ordered:
        items = ", ".join(f"{p.short} ({format_kr_with_mkr(p.amount).split(' (')[-1].rstrip(')')})"
                          if p.amount is not None else p.short for p in ps)
        lines.append(f"{label[0].upper() + label[1:]} ({year}): {items}.")
    return Answer(text="\n".join(lines), intent="distribution_key",
                  facts=[{"post": p.id, "key": p.key.kind.value} for p in posts],
                  sources=uniq_sources([p.key.source for p in posts]))
