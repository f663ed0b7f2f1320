"""The machine description's parsed TOML, remembered between runs."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from emulator import toml_cache
from emulator.machine_config import bundled_machines, load_machine, load_machine_text

TEXT = '[machine]\nname = "t"\n[memory]\nram_size = "64MiB"\n[[device]]\nname = "uart0"\n'


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BLINDFOLD_CACHE", str(tmp_path))
    return tmp_path


def _refuse(_: str) -> dict:
    raise AssertionError("the TOML parser ran although the text was cached")


def test_the_second_load_of_a_text_reads_the_cache_not_the_parser(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = toml_cache.loads(TEXT, 't.toml')
    assert first == tomllib.loads(TEXT)
    assert len(list(tmp_path.glob("toml-*.txt"))) == 1
    monkeypatch.setattr(tomllib, "loads", _refuse)
    assert toml_cache.loads(TEXT, 't.toml') == first


def test_a_cached_machine_is_the_same_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in bundled_machines():
        fresh = load_machine(name)
        monkeypatch.setattr(tomllib, "loads", _refuse)
        cached = load_machine(name)
        monkeypatch.undo()
        assert cached == fresh and cached.digest() == fresh.digest()


def test_invalid_toml_is_never_cached_and_still_reports_its_error(tmp_path: Path) -> None:
    for _ in range(2):
        with pytest.raises(Exception, match="invalid TOML"):
            load_machine_text("[machine\nname = 1\n", "bad.toml", remember=True)
    assert list(tmp_path.glob("toml-*")) == []


def test_a_damaged_cache_file_is_parsed_again_and_replaced(tmp_path: Path) -> None:
    toml_cache.loads(TEXT, 't.toml')
    (cached,) = tmp_path.glob("toml-*.txt")
    cached.write_text("{'machine': ", encoding="utf-8")
    assert toml_cache.loads(TEXT, 't.toml') == tomllib.loads(TEXT)
    assert toml_cache.loads(TEXT, 't.toml') == tomllib.loads(TEXT)
    assert ast.literal_eval(cached.read_text(encoding="utf-8"))["data"] == tomllib.loads(TEXT)


def test_an_edited_file_replaces_its_entry(tmp_path: Path) -> None:
    toml_cache.loads(TEXT, "t.toml")
    edited = TEXT.replace('"t"', '"u"')
    assert toml_cache.loads(edited, "t.toml") == tomllib.loads(edited)
    assert len(list(tmp_path.glob("toml-*.txt"))) == 1
    assert toml_cache.loads(TEXT, "t.toml") == tomllib.loads(TEXT)


def test_values_a_literal_cannot_hold_are_not_cached(tmp_path: Path) -> None:
    text = 'when = 1979-05-27T07:32:00Z\nx = inf\n'
    assert toml_cache.loads(text, 'dates.toml') == tomllib.loads(text)
    assert list(tmp_path.glob("toml-*")) == []


def test_only_the_bundled_descriptions_are_remembered(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text(bundled_machines()["default"].read_text())
    load_machine(str(own))
    assert list(tmp_path.glob("toml-*")) == []
    load_machine("default")
    assert len(list(tmp_path.glob("toml-*"))) == 1


def test_an_unwritable_cache_only_costs_the_parse(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("BLINDFOLD_CACHE", str(blocker / "below-a-file"))
    assert toml_cache.loads(TEXT, 't.toml') == tomllib.loads(TEXT)
