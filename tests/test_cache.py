"""The rulebook cache: a cached rulebook decides exactly as a freshly loaded one."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

import policyrules
from policyrules import cache
from policyrules.resources import bundled_rulebook

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYRULES_CACHE_DIR", str(folder))
    monkeypatch.delenv("POLICYRULES_CACHE", raising=False)
    return folder


def _decisions(book: policyrules.Rulebook) -> list[str]:
    out = []
    for path in EXAMPLES:
        case = policyrules.load_case(path, book)
        out.append(book.evaluate(case).to_json())
        out.append(book.evaluate(case, explain=False).to_json())
    return out


def test_cached_and_uncached_rulebooks_decide_the_examples_identically(cache_dir: Path) -> None:
    assert EXAMPLES
    fresh = policyrules.load_rulebook(cache=False)
    assert not cache_dir.exists()
    first = policyrules.load_rulebook()  # loads and writes the entry
    entries = list(cache_dir.glob("*.pickle"))
    assert len(entries) == 1
    second = policyrules.load_rulebook()  # reads it
    assert fresh.digest == first.digest == second.digest
    assert fresh.data == second.data
    expected = _decisions(fresh)
    assert _decisions(first) == expected
    assert _decisions(second) == expected


def test_a_corrupt_or_truncated_entry_is_loaded_afresh(cache_dir: Path) -> None:
    book = policyrules.load_rulebook()
    (entry,) = cache_dir.glob("*.pickle")
    blob = entry.read_bytes()
    for broken in (blob[: len(blob) // 2], blob[:-1] + bytes([blob[-1] ^ 1]), b"", b"not a cache entry\n" + pickle.dumps(42)):
        entry.write_bytes(broken)
        again = policyrules.load_rulebook()
        assert again.data == book.data
        assert entry.read_bytes() == blob  # written again


def test_a_changed_rule_file_is_never_read_from_a_stale_entry(cache_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(bundled_rulebook(), root)
    before = policyrules.load_rulebook(root)
    key = cache.key(root)
    rule_file = root / "clauses" / "anyang-2018-2" / "06-1.yaml"
    text = rule_file.read_text(encoding="utf-8")
    assert "value: 2000" in text
    rule_file.write_text(text.replace("value: 2000", "value: 2500", 1), encoding="utf-8")
    assert cache.key(root) != key
    after = policyrules.load_rulebook(root)
    assert after.digest != before.digest
    assert after.data == policyrules.load_rulebook(root, cache=False).data


def test_the_cache_can_be_turned_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYRULES_CACHE", "0")
    policyrules.load_rulebook()
    assert not cache_dir.exists()
