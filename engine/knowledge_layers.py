"""Knowledge layers: KnowledgeFiles from outside config/knowledge, loaded and cross-checked together
with the curated YAML into one KnowledgeBase.

A layer is anything with `name`, `files` (pairs of a label for error messages and a validated
KnowledgeFile) and `docs` (the source-document ids its items may cite). Today: the document
library's accepted drafts (`STIMULANS_DATA_DIR/kunskap/<dokument-id>.yaml`); the shared sheet's rows
can be another.

    kb = load_live(settings.data_dir)   # curated YAML + every layer, kb.library set
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.knowledge import SEEDS_DIR, KnowledgeBase, KnowledgeError, _read_yaml, _validate, load_knowledge
from engine.library.library import Library
from engine.models import KnowledgeFile


@dataclass
class Layer:
    name: str
    files: list[tuple[str, KnowledgeFile]] = field(default_factory=list)
    docs: set[str] = field(default_factory=set)


def read_layer_file(path: Path) -> KnowledgeFile:
    """One YAML file of a layer, validated by the same pydantic models as config/knowledge."""
    data, node = _read_yaml(path)
    return _validate(path, data, node)


def library_layer(library: Library) -> Layer:
    """The accepted drafts of the library's documents."""
    layer = Layer(name="dokument", docs={d.id for d in library.documents()})
    if library.layer_dir.is_dir():
        for path in sorted(library.layer_dir.glob("*.yaml")):
            layer.files.append((str(path), read_layer_file(path)))
    return layer


def load_layered(layers: Iterable[Layer], library: Library | None = None, **kwargs) -> KnowledgeBase:
    layers = tuple(layers)
    if any(layer.files for layer in layers) or kwargs:
        kb = load_knowledge(layers=layers, **kwargs)
    else:
        kb = dataclasses.replace(load_knowledge())  # the cached base, not mutated
    kb.library = library
    return kb


def open_library(data_dir: Path, seeds_dir: Path | None = SEEDS_DIR) -> Library:
    return Library(Path(data_dir) / "dokument", seeds_dir)


def load_live(data_dir: Path, seeds_dir: Path | None = SEEDS_DIR):
    """The knowledge base the fronts use: curated YAML + the library's accepted drafts."""
    library = open_library(data_dir, seeds_dir)
    return load_layered([library_layer(library)], library=library)


__all__ = ["Layer", "KnowledgeError", "library_layer", "load_layered", "load_live", "open_library",
           "read_layer_file"]
