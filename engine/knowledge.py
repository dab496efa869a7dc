"""Load and validate the knowledge base (config/knowledge/*.yaml + the municipality/county register).

    kb = load_knowledge()            # cached default: config/knowledge + config/data
    kb.posts_for("ok2021")           # the budget lines of an agreement
    kb.allocations_for("kommun-2080", 2020)

Every problem raises KnowledgeError whose message names the file and the path inside it, e.g.
"config/knowledge/002_dalarna_2020.yaml: allocations[3].amount: Input should be greater than or equal to 0".
"""
from __future__ import annotations

import csv
import dataclasses
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.formatting import describe_os_error

if TYPE_CHECKING:
    import yaml
from engine.models import (
    Agreement,
    Allocation,
    Deadline,
    DeadlineKind,
    Discrepancy,
    Fact,
    KnowledgeFile,
    Level,
    Post,
    Recipient,
    RecipientKind,
    Source,
    as_dict,
    validate,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = REPO_ROOT / "config" / "knowledge"
DATA_DIR = REPO_ROOT / "config" / "data"
SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"

# The five source documents (file stems in shared/seeds). A source must name one of these.
KNOWN_DOCS: tuple[str, ...] = (
    "000_d71a0ad9cf9b4dba",
    "001_7b663106171c3736",
    "002_74a662b3024a3357",
    "003_4537f3e9166044c5",
    "004_8ae5d07353da7d80",
)

RECIPIENTS_FILE = "recipients.yaml"
# Official names that differ from "Region <short>" / the register's mechanical municipality names are in
# recipients.yaml; only these three city names are fixed here because the brief names them as the rule.
_CITY_NAMES = {"0180": "Stockholms stad", "1280": "Malmö stad", "1480": "Göteborgs Stad"}
_APPLIES_RE = re.compile(r"^lan:(?P<cc>\d{2})(?::(?P<level>kommun|region))?$")


class KnowledgeError(Exception):
    """The knowledge base is invalid. str(e) names the file and the path inside it."""


# --------------------------------------------------------------------------- YAML reading


@functools.cache
def _loader_class() -> type:
    """Safe loader without implicit timestamps: dates stay strings so pydantic reports bad ones by path.
    libyaml's when available (about 10x faster). Made on first use: a knowledge base loaded from the
    compiled cache (engine/knowledge_cache.py) reads no YAML, so `stimulans ask` does not import yaml."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = type("_Loader", (base,), {"__doc__": _loader_class.__doc__})
    loader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return loader


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _loc_str(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """The YAML node at a pydantic error location (for the line number)."""
    import yaml

    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == part:
                    nxt = v
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _check_duplicate_keys(node: yaml.Node, where: str, path: str = "") -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            sub = f"{path}.{key}" if path else key
            if key in seen:
                raise KnowledgeError(f"{where}: {sub}: nyckeln förekommer två gånger (rad {k.start_mark.line + 1})")
            seen.add(key)
            _check_duplicate_keys(v, where, sub)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _check_duplicate_keys(v, where, f"{path}[{i}]")


def _read_yaml(path: Path) -> tuple[dict[str, Any], yaml.Node | None]:
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = describe_os_error(e) if isinstance(e, OSError) else "filen är inte UTF-8-text"
        raise KnowledgeError(f"{where}: kan inte läsas: {reason}") from e
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"rad {mark.line + 1}, kolumn {mark.column + 1}: " if mark else ""
        raise KnowledgeError(f"{where}: {line}YAML-syntaxfel: {e.problem or e.context}") from e
    except yaml.YAMLError as e:
        raise KnowledgeError(f"{where}: YAML-syntaxfel: {e}") from e
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise KnowledgeError(f"{where}: filen ska vara en mappning med nycklarna i KnowledgeFile")
    if node is not None:
        _check_duplicate_keys(node, where)
    return data, node


def _message(err: Any) -> str:
    """pydantic's message; an unknown key reads the same wherever it is (a dataclass reports it as an
    unexpected keyword argument)."""
    return "Extra inputs are not permitted" if err["type"] == "unexpected_keyword_argument" else err["msg"]


def _validate(path: Path, data: dict[str, Any], node: yaml.Node | None) -> KnowledgeFile:
    from pydantic import ValidationError

    try:
        return validate(KnowledgeFile, data)
    except ValidationError as e:
        where = _display(path)
        lines = []
        for err in e.errors():
            loc = tuple(err["loc"])
            # drop pydantic's internal tags for function validators, keep the data path
            loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
            n = _node_at(node, loc)
            line = f" (rad {n.start_mark.line + 1})" if n is not None else ""
            lines.append(f"{where}: {_loc_str(loc)}: {_message(err)}{line}")
        raise KnowledgeError("\n".join(lines)) from e


# --------------------------------------------------------------------------- register


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        raise KnowledgeError(f"{_display(path)}: kan inte läsas: {describe_os_error(e)}") from e


def generate_recipients(data_dir: Path) -> dict[str, Recipient]:
    """kommun-XXXX, region-XX and lan-XX recipients from counties.csv and municipalities.csv."""
    out: dict[str, Recipient] = {}
    counties_path = data_dir / "counties.csv"
    for i, row in enumerate(_read_csv(counties_path)):
        cc = (row.get("county_code") or "").strip()
        name, short = (row.get("county_name") or "").strip(), (row.get("county_name_short") or "").strip()
        if not re.fullmatch(r"\d{2}", cc) or not name or not short:
            raise KnowledgeError(f"{_display(counties_path)}: rad {i + 2}: ogiltig länsrad {row}")
        out[f"lan-{cc}"] = Recipient(
            id=f"lan-{cc}", kind=RecipientKind.lan, name=name, short=short, code=cc, county_code=cc,
            aliases=[name, f"{short}s län" if not short.endswith("s") else name, f"länet {short}"],
        )
        out[f"kommunerna-{cc}"] = Recipient(
            id=f"kommunerna-{cc}", kind=RecipientKind.grupp, name=f"Kommunerna i {name}", short=f"Kommunerna i {name}",
            code=None, county_code=cc, aliases=[f"kommunerna i {name}", f"{name}s kommuner"],
        )
        out[f"region-{cc}"] = Recipient(
            id=f"region-{cc}", kind=RecipientKind.region, name=f"Region {short}", short=short, code=cc,
            county_code=cc,
            aliases=[f"Region {short}", f"Landstinget {short}", f"{name}s landsting", f"regionen {short}"],
        )
    muni_path = data_dir / "municipalities.csv"
    for i, row in enumerate(_read_csv(muni_path)):
        code = (row.get("municipality_code") or "").strip()
        cc = (row.get("county_code") or "").strip()
        long_name = (row.get("municipality_name") or "").strip()
        short = (row.get("municipality_name_short") or "").strip()
        if not re.fullmatch(r"\d{4}", code) or f"lan-{cc}" not in out or not short:
            raise KnowledgeError(f"{_display(muni_path)}: rad {i + 2}: ogiltig kommunrad {row}")
        name = _CITY_NAMES.get(code, long_name or f"{short} kommun")
        aliases = [short, name]
        if long_name and long_name != name:
            aliases.append(long_name)
        out[f"kommun-{code}"] = Recipient(
            id=f"kommun-{code}", kind=RecipientKind.kommun, name=name, short=short, code=code,
            county_code=cc, aliases=aliases,
        )
    return out


def _merge_recipient(base: Recipient, raw: dict[str, Any]) -> dict[str, Any]:
    """recipients.yaml entry with the id of a generated recipient: its fields win, aliases are united."""
    merged = as_dict(base)
    for k, v in raw.items():
        if k != "aliases":
            merged[k] = v
    aliases = list(base.aliases)
    if merged.get("name") != base.name:
        aliases.append(base.name)
    extra = raw.get("aliases") or []
    if isinstance(extra, list):
        aliases.extend(extra)
    else:
        merged["aliases"] = extra  # let pydantic report the wrong type
        return merged
    merged["aliases"] = list(dict.fromkeys(a for a in aliases if a))
    return merged


# --------------------------------------------------------------------------- the knowledge base


@dataclass
class KnowledgeBase:
    """Every layer merged into one typed model: agreements, posts, allocations, deadlines, facts, recipients."""

    agreements: dict[str, Agreement] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    allocations: list[Allocation] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    recipients: dict[str, Recipient] = field(default_factory=dict)
    files: dict[str, KnowledgeFile] = field(default_factory=dict)  # file name -> parsed file
    library: Any = None  # engine.library.library.Library: the documents behind passage answers
    layer_docs: set[str] = field(default_factory=set)  # documents whose facts come from a layer (drafts)

    def posts_for(self, agreement_id: str | None = None, year: int | None = None) -> list[Post]:
        return [
            p for p in self.posts.values()
            if (agreement_id is None or p.agreement == agreement_id) and (year is None or p.year == year)
        ]

    def allocations_for(self, recipient_id: str, year: int | None = None) -> list[Allocation]:
        return [a for a in self.allocations if a.recipient == recipient_id and (year is None or a.year == year)]

    def municipalities_in_county(self, county_code: str) -> list[Recipient]:
        cc = _county_code(county_code)
        return sorted(
            (r for r in self.recipients.values() if r.kind == RecipientKind.kommun and r.county_code == cc),
            key=lambda r: r.code or "",
        )

    def county(self, county_code: str) -> Recipient:
        return self._by_id(f"lan-{_county_code(county_code)}", "län")

    def region(self, county_code: str) -> Recipient:
        return self._by_id(f"region-{_county_code(county_code)}", "region")

    def metropolitan_counties(self) -> list[Recipient]:
        return sorted(
            (r for r in self.recipients.values() if r.kind == RecipientKind.lan and r.metropolitan),
            key=lambda r: r.code or "",
        )

    def deadlines_for(self, agreement_id: str | None = None, kind: str | DeadlineKind | None = None) -> list[Deadline]:
        return [
            d for d in self.deadlines
            if (agreement_id is None or d.agreement == agreement_id) and (kind is None or d.kind == kind)
        ]

    def facts_for(self, topic: str | None = None, agreement_id: str | None = None) -> list[Fact]:
        return [
            f for f in self.facts
            if (topic is None or f.topic == topic) and (agreement_id is None or f.agreement == agreement_id)
        ]

    def agreement_for_year(self, year: int) -> Agreement | None:
        for a in self.agreements.values():
            if year in a.years:
                return a
        return None

    def _by_id(self, rid: str, what: str) -> Recipient:
        try:
            return self.recipients[rid]
        except KeyError:
            raise KeyError(f"okänt {what}: {rid}") from None


def _county_code(code: str | int) -> str:
    s = str(code).strip()
    return s.zfill(2) if s.isdigit() else s


# --------------------------------------------------------------------------- cross-file checks


def _sources(obj: Any, loc: str) -> Iterator[tuple[str, Source]]:
    if isinstance(obj, Source):
        yield loc, obj
    elif dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            yield from _sources(getattr(obj, f.name), f"{loc}.{f.name}")
    elif isinstance(obj, list):
        for i, x in enumerate(obj):
            yield from _sources(x, f"{loc}[{i}]")


def _valid_docs(seeds_dir: Path | None, extra: set[str] | frozenset[str] = frozenset()) -> set[str]:
    docs = set(KNOWN_DOCS)
    if seeds_dir is not None and seeds_dir.is_dir():
        docs &= {p.stem for p in seeds_dir.glob("*.txt")}
    return docs | set(extra)


_ID_SECTIONS = ("agreements", "posts", "allocations", "deadlines", "facts", "discrepancies", "recipients")


def _cross_check(files: dict[Path, KnowledgeFile], recipients: dict[str, Recipient],
                 recipient_origin: dict[str, str], seeds_dir: Path | None,
                 extra_docs: set[str] | frozenset[str] = frozenset()) -> None:
    docs = _valid_docs(seeds_dir, extra_docs)
    seen: dict[str, str] = dict(recipient_origin)
    agreements = {a.id: a for kf in files.values() for a in kf.agreements}
    posts = {p.id: p for kf in files.values() for p in kf.posts}
    levels = {lv.value for lv in Level}
    for path, kf in files.items():
        where = _display(path)

        def fail(loc: str, msg: str, where: str = where) -> None:
            raise KnowledgeError(f"{where}: {loc}: {msg}")

        if kf.doc is not None and kf.doc not in docs:
            fail("doc", f"okänt källdokument {kf.doc!r} (kända: {', '.join(sorted(docs))})")
        for section in _ID_SECTIONS:
            if section == "recipients":
                continue  # recipients are merged/checked while loading; their ids are pre-seeded in `seen`
            for i, item in enumerate(getattr(kf, section)):
                loc = f"{section}[{i}].id"
                if item.id in seen:
                    fail(loc, f"id {item.id!r} finns redan ({seen[item.id]})")
                seen[item.id] = f"{where}: {section}[{i}]"
        for section in ("agreements", "posts", "allocations", "deadlines", "facts", "discrepancies", "recipients"):
            for i, item in enumerate(getattr(kf, section)):
                for loc, src in _sources(item, f"{section}[{i}]"):
                    if src.doc not in docs:
                        fail(f"{loc}.doc", f"okänt källdokument {src.doc!r} (kända: {', '.join(sorted(docs))})")
        for i, p in enumerate(kf.posts):
            if p.agreement not in agreements:
                fail(f"posts[{i}].agreement", f"okänd överenskommelse {p.agreement!r}")
            if p.year not in agreements[p.agreement].years:
                fail(f"posts[{i}].year", f"år {p.year} ingår inte i {p.agreement} ({agreements[p.agreement].years})")
        for i, a in enumerate(kf.allocations):
            if a.agreement not in agreements:
                fail(f"allocations[{i}].agreement", f"okänd överenskommelse {a.agreement!r}")
            if a.recipient not in recipients:
                fail(f"allocations[{i}].recipient", f"okänd mottagare {a.recipient!r}")
            if a.post is not None:
                if a.post not in posts:
                    fail(f"allocations[{i}].post", f"okänd post {a.post!r}")
                if posts[a.post].agreement != a.agreement or posts[a.post].year != a.year:
                    fail(f"allocations[{i}].post", f"posten {a.post!r} hör inte till {a.agreement} {a.year}")
        for i, d in enumerate(kf.deadlines):
            if d.agreement not in agreements:
                fail(f"deadlines[{i}].agreement", f"okänd överenskommelse {d.agreement!r}")
            for j, target in enumerate(d.applies_to):
                if target in levels or target in recipients:
                    continue
                m = _APPLIES_RE.match(target)
                if m and f"lan-{m.group('cc')}" in recipients:
                    continue
                fail(f"deadlines[{i}].applies_to[{j}]",
                     f"okänt mål {target!r} (använd mottagar-id, nivå som 'kommun', 'lan:01' eller 'lan:01:kommun')")
        for i, f in enumerate(kf.facts):
            if f.agreement is not None and f.agreement not in agreements:
                fail(f"facts[{i}].agreement", f"okänd överenskommelse {f.agreement!r}")
        linkable = {item.id for k in files.values() for sec in ("posts", "allocations", "deadlines", "facts", "agreements")
                    for item in getattr(k, sec)}
        for i, d in enumerate(kf.discrepancies):
            for j, ref in enumerate(d.about):
                if ref not in linkable:
                    fail(f"discrepancies[{i}].about[{j}]", f"okänt id {ref!r} (en post, tilldelning, deadline eller fakta)")
    for r in recipients.values():
        if r.county_code is not None and f"lan-{r.county_code}" not in recipients:
            raise KnowledgeError(f"{recipient_origin.get(r.id, RECIPIENTS_FILE)}: recipients: "
                                 f"{r.id}: okänt län {r.county_code!r}")


# --------------------------------------------------------------------------- loading


def _load(directory: Path, data_dir: Path, seeds_dir: Path | None, layers: tuple = ()) -> KnowledgeBase:
    if not directory.is_dir():
        raise KnowledgeError(f"{_display(directory)}: katalogen finns inte")
    recipients = generate_recipients(data_dir)
    origin = {rid: f"{_display(data_dir)} (genererad)" for rid in recipients}
    files: dict[Path, KnowledgeFile] = {}
    for path in sorted(directory.glob("*.yaml")):
        data, node = _read_yaml(path)
        if path.name == RECIPIENTS_FILE and isinstance(data.get("recipients"), list):
            where = _display(path)
            ids_here: set[str] = set()
            merged_list = []
            for i, raw in enumerate(data["recipients"]):
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    if raw["id"] in ids_here:
                        raise KnowledgeError(f"{where}: recipients[{i}].id: id {raw['id']!r} förekommer två gånger")
                    ids_here.add(raw["id"])
                    if raw["id"] in recipients:
                        raw = _merge_recipient(recipients[raw["id"]], raw)
                merged_list.append(raw)
            data = {**data, "recipients": merged_list}
        kf = _validate(path, data, node)
        files[path] = kf
        if path.name == RECIPIENTS_FILE:
            for r in kf.recipients:
                recipients[r.id] = r
                origin[r.id] = _display(path)
        elif kf.recipients:
            for i, r in enumerate(kf.recipients):
                if r.id in recipients:
                    raise KnowledgeError(f"{_display(path)}: recipients[{i}].id: id {r.id!r} finns redan "
                                         f"({origin[r.id]})")
                recipients[r.id] = r
                origin[r.id] = _display(path)
    extra_docs: set[str] = set()
    for layer in layers:  # engine/knowledge_layers.py: documents' accepted drafts, sheet rows, ...
        extra_docs |= set(layer.docs)
        for label, kf in layer.files:
            files[Path(label)] = kf
    _cross_check(files, recipients, origin, seeds_dir, extra_docs)
    kb = KnowledgeBase(recipients=recipients, files={p.name: kf for p, kf in files.items()},
                       layer_docs={kf.doc for layer in layers for _, kf in layer.files if kf.doc})
    for kf in files.values():
        kb.agreements.update({a.id: a for a in kf.agreements})
        kb.posts.update({p.id: p for p in kf.posts})
        kb.allocations.extend(kf.allocations)
        kb.deadlines.extend(kf.deadlines)
        kb.facts.extend(kf.facts)
        kb.discrepancies.extend(kf.discrepancies)
    return kb


@functools.lru_cache(maxsize=1)
def _default_knowledge() -> KnowledgeBase:
    return _load(KNOWLEDGE_DIR, DATA_DIR, SEEDS_DIR)


def load_knowledge(directory: Path | None = None, data_dir: Path | None = None,
                   seeds_dir: Path | None = SEEDS_DIR, layers: tuple = ()) -> KnowledgeBase:
    """Load and validate the knowledge base. Without arguments the result is cached (do not mutate it).

    `layers` (engine/knowledge_layers.Layer) add KnowledgeFiles from outside config/knowledge — the
    documents' accepted drafts, sheet rows — checked together with the curated files."""
    if directory is None and data_dir is None and seeds_dir == SEEDS_DIR and not layers:
        return _default_knowledge()
    return _load(Path(directory or KNOWLEDGE_DIR), Path(data_dir or DATA_DIR), seeds_dir, tuple(layers))
