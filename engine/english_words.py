"""Ordinary English words, from an English lexicon rather than a hand list.

The documents are Swedish, so an English question's words cannot be looked up in them. A word the
domain glossary (engine/lexicon.py) does not translate is still no *unknown term* when it names no
thing at all: a verb, adjective or adverb of ordinary English ("continued", "supposed", "coherent",
"several", "consider") says how something is asked, not what about. A word that can be a noun
("capital", "tax", "weather", "development") may name something the documents lack, so it stays a
candidate unknown term; so does a word the lexicon does not have ("Norway", "kurator").

The lexicon is lemminflect's (MIT; word forms, parts of speech and lemmas from the NLM SPECIALIST
lexicon, ~70 000 English word forms). Only its lookup table is read, once, when an English question
first has a word the glossary does not know (a few tenths of a second); its inflection model and
numpy are never imported. Without the package every word counts as a possible noun, which is the
behaviour before this module: more "not in the documents", never a wrong figure.
"""
from __future__ import annotations

import gzip
import importlib.util
from functools import cache
from pathlib import Path

#: parts of speech in the lexicon that name a thing
_NOUN_TAGS = frozenset({"noun", "propn"})


@cache
def _lexicon() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """word form -> (its parts of speech, its lemmas); empty when the lexicon is not installed."""
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lemma_lu.csv.gz"
    if not path.is_file():
        return {}
    tags: dict[str, set[str]] = {}
    lemmas: dict[str, set[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split(",", 2)
            if len(parts) != 3 or not parts[0].isalpha():
                continue
            word, tag, lemma = parts[0].lower(), parts[1], parts[2]
            tags.setdefault(word, set()).add(tag)
            lemmas.setdefault(word, set()).update(x.lower() for x in lemma.split("/") if x)
    return {w: (frozenset(t), frozenset(lemmas.get(w, ()))) for w, t in tags.items()}


def names_no_thing(word: str) -> bool:
    """An ordinary English word that cannot be a noun ("continued", "coherent", "several")."""
    entry = _lexicon().get(word)
    return entry is not None and not (entry[0] & _NOUN_TAGS)


def lemmas(word: str) -> frozenset[str]:
    """The dictionary forms of an English word form ("needing" -> need, "councils" -> council)."""
    entry = _lexicon().get(word)
    return entry[1] if entry is not None else frozenset()
