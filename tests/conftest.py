"""Test-session settings: the compiled-knowledge and workbook caches go to a folder of this session, never
to the developer's ~/.cache/stimulans (a test that sets STIMULANS_CACHE_DIR itself still wins)."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _session_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    if "STIMULANS_CACHE_DIR" in os.environ:
        yield
        return
    os.environ["STIMULANS_CACHE_DIR"] = str(tmp_path_factory.mktemp("stimulans-cache"))
    try:
        yield
    finally:
        os.environ.pop("STIMULANS_CACHE_DIR", None)
