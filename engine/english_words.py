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
_NOUN_TAGS = ("noun", "propn")


@cache
def _lexicon() -> tuple[frozenset[str], frozenset[str], dict[str, str]]:
    """(every word form, the forms that can be nouns, form -> its lemmas joined by "/"); empty when the
    lexicon is not installed. One pass over the table (~0.05 s of CPU)."""
    spec = importlib.util.find_spec("lemminflect")
    if spec is None or not spec.submodule_search_locations:
        return frozenset(), frozenset(), {}
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lemma_lu.csv.gz"
    if not path.is_file():
        return frozenset(), frozenset(), {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        data = f.read().lower()
    forms: set[str] = set()
    nouns: set[str] = set()
    lemma: dict[str, str] = {}
    for line in data.splitlines():
        parts = line.split(",", 2)
        if len(parts) != 3:
            continue
        word, tag, base = parts
        forms.add(word)
        if tag in _NOUN_TAGS:
            nouns.add(word)
        lemma[word] = f"{lemma[word]}/{base}" if word in lemma else base
    return frozenset(forms), frozenset(nouns), lemma


def names_no_thing(word: str) -> bool:
    """An ordinary English word that cannot be a noun ("continued", "coherent", "several")."""
    forms, nouns, _ = _lexicon()
    return word in forms and word not in nouns


def lemmas(word: str) -> frozenset[str]:
    """The dictionary forms of an English word form ("needing" -> need, "councils" -> council)."""
    return frozenset(x for x in _lexicon()[2].get(word, "").split("/") if x)
