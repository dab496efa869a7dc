"""The compiled knowledge base: `load_live` once, kept as a pickle, so that a new process (`stimulans ask`,
a worker starting) skips the YAML, the pydantic validation, the seed documents' sectioning and the
indexes the engine builds on the knowledge base (issue #13).

    kb = load_live_cached(data_dir, cache_dir=settings.knowledge_cache_dir)   # bot/runtime.get_knowledge

The file is named by a fingerprint of everything `load_live` reads and of the code that reads it:

- the curated YAML (`config/knowledge/*.yaml`) and the register (`config/data/*.csv`): their bytes;
- the seed documents: which `*.txt` are in the seeds folder, and the bytes of the catalog's seeds;
- the data dir's accepted layers (`kunskap/*.yaml`): their bytes; the library's added documents
  (`dokument/dok-*.json`): name, size and modification time;
- the code: name, size and modification time of every `engine/**/*.py`, the Python version and the
  installed pydantic (its version file, not imported)
  and FORMAT below.

Any change gives another fingerprint, hence another file, so a stale cache is never read. A file that
cannot be read, is not ours (another owner, writable by others) or holds anything but the payload written
for this very fingerprint is ignored and rebuilt; a cache folder that cannot be written only costs the
speed-up. Answers are the same with or without the cache (tests/test_knowledge_cache.py).

The cached knowledge base carries the structures built on it (`prebuilt`): the recipient index, the
parser's vocabulary and the fact index. They are only ever attached to a knowledge base loaded here,
which nothing mutates; a knowledge base made any other way (tests, the shared sheet's merge) builds its
own.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
from pathlib import Path
from typing import Any

from engine.knowledge import DATA_DIR, KNOWLEDGE_DIR, SEEDS_DIR, KnowledgeBase

log = logging.getLogger(__name__)

#: bump when the payload's layout changes
FORMAT = "stimulans-kb-2"  # 2: dataclass models (no pydantic objects in the pickle)
#: cache files kept (other fingerprints: other checkouts, data dirs, earlier versions); older ones are removed
KEEP = 8
_PREFIX = "kunskap-"
_ENGINE_DIR = Path(__file__).resolve().parent


def prebuilt(kb: Any, name: str) -> Any:
    """A structure built on this knowledge base when it was compiled ("recipients", "vocabulary",
    "facts"), or None."""
    return (getattr(kb, "_prebuilt", None) or {}).get(name)


def _validator_version() -> str:
    """Which pydantic validated the files (its version file's size and time), without importing it: a
    new pydantic may read the YAML differently, and importing it would cost the cold start it saves."""
    import importlib.util

    spec = importlib.util.find_spec("pydantic")
    origin = Path(spec.origin).with_name("version.py") if spec and spec.origin else None
    try:
        st = origin.stat() if origin else None
    except OSError:
        st = None
    return f"pydantic {st.st_size}:{st.st_mtime_ns}" if st else "pydantic ?"


def fingerprint(data_dir: Path, seeds_dir: Path | None = SEEDS_DIR) -> str:
    """What `load_live(data_dir, seeds_dir)` reads, and the code that reads it (see the module doc)."""
    from engine.library.catalog import SEEDS

    h = hashlib.blake2b(digest_size=20)

    def add(*parts: object) -> None:
        for part in parts:
            h.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogateescape"))
            h.update(b"\0")

    def stat(path: Path) -> tuple[int, int]:
        st = path.stat()
        return st.st_size, st.st_mtime_ns

    add(FORMAT, sys.version, _validator_version())
    for path in sorted(_ENGINE_DIR.rglob("*.py")):
        add("code", path.relative_to(_ENGINE_DIR).as_posix(), *stat(path))
    add("knowledge", KNOWLEDGE_DIR)
    for path in sorted(KNOWLEDGE_DIR.glob("*.yaml")):
        add(path.name, path.read_bytes())
    for path in sorted(DATA_DIR.glob("*.csv")):
        add(path.name, path.read_bytes())
    if seeds_dir is not None and Path(seeds_dir).is_dir():
        seeds = Path(seeds_dir)
        add("seeds", *sorted(p.name for p in seeds.glob("*.txt")))
        for stem in SEEDS:
            path = seeds / f"{stem}.txt"
            if path.is_file():
                add(stem, path.read_bytes())
    else:
        add("no seeds")
    data_dir = Path(data_dir)
    layer_dir = data_dir / "kunskap"
    if layer_dir.is_dir():
        for path in sorted(layer_dir.glob("*.yaml")):
            add("layer", path.name, path.read_bytes())
    doc_dir = data_dir / "dokument"
    if doc_dir.is_dir():
        for path in sorted(doc_dir.glob("dok-*.json")):
            if not path.name.endswith(".drafts.json"):
                add("document", path.name, *stat(path))
    return h.hexdigest()


def load_live_cached(data_dir: Path, seeds_dir: Path | None = SEEDS_DIR, *,
                     cache_dir: Path | None = None) -> KnowledgeBase:
    """`engine.knowledge_layers.load_live`, from the cache when it holds this fingerprint. Without a
    cache_dir, simply load_live. An invalid knowledge base raises KnowledgeError as load_live does (it
    is never cached)."""
    from engine.knowledge_layers import load_live, open_library

    if cache_dir is None:
        return load_live(data_dir, seeds_dir)
    try:
        key = fingerprint(data_dir, seeds_dir)
    except OSError as exc:  # a file went away while we looked: load it the ordinary way
        log.debug("knowledge cache not used: %s", exc)
        return load_live(data_dir, seeds_dir)
    path = Path(cache_dir) / f"{_PREFIX}{key}.pickle"
    payload = _read(path, key)
    if payload is not None:
        kb = payload["kb"]
        library = open_library(data_dir, seeds_dir)
        library._seed_cache.update(payload["seeds"])  # the same bytes (in the fingerprint), already sectioned
        kb.library = library
        return kb
    kb = load_live(data_dir, seeds_dir)
    _write(path, key, kb)
    return kb


def compile_kb(kb: KnowledgeBase) -> KnowledgeBase:
    """A copy of `kb` (library left out) with the engine's structures built on it (see `prebuilt`)."""
    import dataclasses

    from engine.answers.facts import FactIndex
    from engine.recipients import RecipientIndex
    from engine.understanding import Vocabulary

    out = dataclasses.replace(kb, library=None)
    out._prebuilt = {"recipients": RecipientIndex(out.recipients), "vocabulary": Vocabulary(out),  # type: ignore[attr-defined]
                     "facts": FactIndex(out)}
    return out


def _load_without_gc(f: Any) -> Any:
    """pickle.load with the cyclic collector paused: unpickling builds tens of thousands of objects, none
    of them garbage, and collecting while they appear cost a fifth of the load (issue #13)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(f)
    finally:
        if enabled:
            gc.enable()


def read_private(path: Path) -> Any | None:
    """A pickle this user wrote under the cache folder, or None: missing, corrupt, or not owned by this user
    or writable by others (a pickle runs code when loaded: only our own files are ever read)."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if os.name == "posix" and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                log.warning("cache file %s ignored: not owned by this user or writable by others", path)
                return None
            return _load_without_gc(f)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a corrupt or foreign cache is rebuilt, never trusted
        log.info("cache file %s ignored: %s", path, exc)
        return None


def write_private(path: Path, payload: Any, prefix: str) -> None:
    """`payload` pickled to `path` atomically (folder 0700, file 0600); keeps the KEEP newest files of `prefix`.
    A folder that cannot be written only costs the speed-up."""
    try:
        from engine.library.library import write_atomic

        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, data)
        _prune(path.parent, keep=path, prefix=prefix)
    except Exception as exc:  # noqa: BLE001 - no cache only costs the speed-up
        log.info("cache file not written to %s: %s", path, exc)


def _read(path: Path, key: str) -> dict | None:
    payload = read_private(path)
    if payload is None:
        return None
    if not (isinstance(payload, dict) and payload.get("format") == FORMAT and payload.get("key") == key
            and isinstance(payload.get("kb"), KnowledgeBase) and isinstance(payload.get("seeds"), dict)):
        log.info("knowledge cache %s ignored: not the payload for this fingerprint", path)
        return None
    return payload


def _write(path: Path, key: str, kb: KnowledgeBase) -> None:
    try:
        library = kb.library
        seeds = {d.id: d for d in library.seeds()} if library is not None else {}
        payload = {"format": FORMAT, "key": key, "kb": compile_kb(kb), "seeds": seeds}
    except Exception as exc:  # noqa: BLE001 - no cache only costs the speed-up
        log.info("knowledge cache not written to %s: %s", path, exc)
        return
    write_private(path, payload, _PREFIX)


def _prune(folder: Path, keep: Path, prefix: str = _PREFIX) -> None:
    """Remove all but the KEEP most recently used cache files of this kind."""
    files = sorted(folder.glob(f"{prefix}*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in files if p != keep][KEEP - 1:]:
        old.unlink(missing_ok=True)


__all__ = ["FORMAT", "compile_kb", "fingerprint", "load_live_cached", "prebuilt"]
