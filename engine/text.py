"""Text normalisation shared by the question parser and the sheet parser."""
from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_WORDS = re.compile(r"[a-z0-9]+(?:[/\-][a-z0-9]+)*")


@functools.lru_cache(maxsize=32768)
def fold(s: str) -> str:
    """Lower-case, strip diacritics (å→a, ä→a, ö→o, é→e), collapse spaces. For matching only.
    Cached: the parser folds the same names and words for every question (issue #13)."""
    s = s.lower()
    if not s.isascii():  # NFKD leaves ASCII as it is and has no combining marks to strip
        s = unicodedata.normalize("NFKD", s)
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _SPACES.sub(" ", s).strip()


def words(s: str) -> list[str]:
    """Folded word tokens (letters/digits, keeps '/' and '-' inside tokens like 717/771)."""
    return _WORDS.findall(fold(s))
