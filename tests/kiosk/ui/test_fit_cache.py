"""The menu's fitted name sizes kept between starts (kiosk/ui/fit_cache.py): read back
without measuring, measured again when anything they depend on changed, never trusted when
torn or of another key."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kiosk.ui.fit_cache import PREFIX, FitStore, fit_key

SIZES = (60, 44, 40)


def _key(folder: Path, *, font: bytes = b"font", code: bytes = b"code", **kw: str) -> str:
    font_file, code_file = folder / "font.ttf", folder / "welcome.py"
    if not font_file.exists() or font_file.read_bytes() != font:
        font_file.write_bytes(font)
    if not code_file.exists() or code_file.read_bytes() != code:
        code_file.write_bytes(code)
    options = {"kivy_version": "2.3.1", "provider": "kivy.core.text.text_sdl2.LabelSDL2"} | kw
    return fit_key([code_file], [str(font_file)], **options)


def test_a_kept_size_is_read_back_by_the_next_start(tmp_path: Path) -> None:
    key = _key(tmp_path)
    first = FitStore(tmp_path, key)
    assert first.get("就业登记", 210, 163, SIZES) == (False, None)
    first.put("就业登记", 210, 163, SIZES, 44)
    first.put("Unemployment Registration", 210, 163, SIZES, None)
    first.save()
    again = FitStore(tmp_path, key)
    assert again.get("就业登记", 210, 163, SIZES) == (True, 44)
    assert again.get("Unemployment Registration", 210, 163, SIZES) == (True, None)


@pytest.mark.parametrize(
    ("entry"),
    [
        ("就业登记", 211, 163, SIZES),
        ("就业登记", 210, 162, SIZES),
        ("就业登记", 210, 163, (60, 44)),
    ],
)
def test_another_tile_or_other_sizes_are_measured_again(
    tmp_path: Path, entry: tuple[Any, ...]
) -> None:
    store = FitStore(tmp_path, _key(tmp_path))
    store.put("就业登记", 210, 163, SIZES, 44)
    store.save()
    assert FitStore(tmp_path, _key(tmp_path)).get(*entry) == (False, None)


def test_the_key_changes_with_everything_a_measure_depends_on(tmp_path: Path) -> None:
    key = _key(tmp_path)
    assert _key(tmp_path) == key
    assert _key(tmp_path, font=b"another font") != key
    assert _key(tmp_path, code=b"new code") != key
    assert _key(tmp_path, kivy_version="2.3.2") != key
    assert _key(tmp_path, provider="kivy.core.text.text_pil.LabelPIL") != key
    # The same bytes written again: the font file's time moved, so it counts as changed.
    font = tmp_path / "font.ttf"
    os.utime(font, ns=(0, font.stat().st_mtime_ns + 1_000_000_000))
    assert _key(tmp_path) != key


def test_a_size_kept_under_another_key_is_not_used_and_its_file_goes(tmp_path: Path) -> None:
    old = FitStore(tmp_path, _key(tmp_path))
    old.put("就业登记", 210, 163, SIZES, 44)
    old.save()
    new = FitStore(tmp_path, _key(tmp_path, font=b"another font"))
    assert new.get("就业登记", 210, 163, SIZES) == (False, None)
    new.put("就业登记", 210, 163, SIZES, 40)
    new.save()
    assert [p.name for p in tmp_path.glob(f"{PREFIX}*.json")] == [new.path.name]


@pytest.mark.parametrize(
    "content",
    ['{"key": "', "[1, 2]", '{"key": "KEY", "fits": []}', '{"key": "KEY", "fits": {"x": "44"}}'],
)
def test_a_torn_or_foreign_file_is_ignored(tmp_path: Path, content: str) -> None:
    key = _key(tmp_path)
    store = FitStore(tmp_path, key)
    store.path.write_text(content.replace("KEY", key), "utf-8")
    assert FitStore(tmp_path, key).get("x", 1, 1, SIZES) == (False, None)


def test_a_kept_file_of_this_key_is_the_one_read(tmp_path: Path) -> None:
    # The negative case of the test above: the same shape with a good value is read.
    key = _key(tmp_path)
    store = FitStore(tmp_path, key)
    entry = json.dumps(["x", 1, 1, list(SIZES)], ensure_ascii=False)
    store.path.write_text(json.dumps({"key": key, "fits": {entry: 44}}), "utf-8")
    assert FitStore(tmp_path, key).get("x", 1, 1, SIZES) == (True, 44)


def test_nothing_is_written_when_nothing_was_measured(tmp_path: Path) -> None:
    store = FitStore(tmp_path, _key(tmp_path))
    store.save()
    assert not store.path.exists()


@pytest.mark.kivy
def test_the_menu_takes_a_kept_size_without_measuring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.ui.screens import welcome

    store = FitStore(tmp_path, "k")
    store.put("就业登记", 210, 163, SIZES, 40)
    monkeypatch.setattr(welcome, "fit_store", lambda: store)
    monkeypatch.setattr(welcome, "_measured_font", lambda *_a: pytest.fail("measured"))
    welcome._fitting_font.cache_clear()
    try:
        assert welcome._fitting_font("就业登记", 210, 163, SIZES) == 40
    finally:
        welcome._fitting_font.cache_clear()


@pytest.mark.kivy
def test_the_menu_keeps_what_it_measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.ui.screens import welcome

    store = FitStore(tmp_path, "k")
    monkeypatch.setattr(welcome, "fit_store", lambda: store)
    monkeypatch.setattr(welcome, "_measured_font", lambda *_a: 44)
    welcome._fitting_font.cache_clear()
    try:
        assert welcome._fitting_font("就业登记", 210, 163, SIZES) == 44
    finally:
        welcome._fitting_font.cache_clear()
    store.save()
    assert FitStore(tmp_path, "k").get("就业登记", 210, 163, SIZES) == (True, 44)


@pytest.mark.kivy
def test_the_station_name_is_kept_at_the_size_it_fitted_and_starts_there_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_port: Any, clock: Any
) -> None:
    from devkit.headless import HeadlessUI
    from kiosk.ui.screens import welcome
    from tests.kiosk.ui.conftest import FakePort

    name = "示范街道24小时就业服务e站"  # two lines below the 40 px it is tried at first
    monkeypatch.setattr(FakePort, "station_name", name)
    store = FitStore(tmp_path, "k")
    monkeypatch.setattr(welcome, "fit_store", lambda: store)
    with HeadlessUI(make_port(), clock=clock) as ui:
        station = ui.root.welcome.ids.station
        tried = station.sizes()
        fitted = station.font_size
        box = (name, int(station.width), int(station.height))
    assert tried[0] == 40
    assert fitted < 40
    assert FitStore(tmp_path, "k").get(*box, tried) == (True, fitted)
    with HeadlessUI(make_port(), clock=clock) as ui:
        station = ui.root.welcome.ids.station
        assert (station.max_font, station.font_size) == (fitted, fitted)  # started there
        assert station.text == name


@pytest.mark.kivy
def test_a_return_to_the_menu_neither_fits_nor_keeps_the_station_name_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ui: Any
) -> None:
    from kiosk.ui.screens import welcome

    store = FitStore(tmp_path, "k")
    monkeypatch.setattr(welcome, "fit_store", lambda: store)
    menu = ui.root.welcome
    station = menu.ids.station
    fitted = (station.font_size, station.max_font)
    monkeypatch.setattr(store, "put", lambda *_a: pytest.fail("kept again"))
    monkeypatch.setattr(store, "save", lambda: pytest.fail("written again"))
    for _ in range(3):
        menu.show(ui.session.lang)  # as every return to the menu does
        ui.frames(1)
    assert (station.font_size, station.max_font) == fitted
