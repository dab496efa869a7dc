"""Text normalisation shared by the question parser and the sheet parser."""
from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_WORDS = re.compile(r"[a-z0-9]+(?:[/\-][a-z0-9]+)*")


class LazyPattern:
    """A regular expression compiled on its first use, used like the compiled pattern (`.search`, `.sub`, …).

    For modules imported by every `stimulans ask` whose patterns only some answers need (the library's
    passages and documents): compiling them all at import was a few per cent of the cold start (issue #13)."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0):
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str):
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(*self._args)
        return getattr(compiled, name)


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
