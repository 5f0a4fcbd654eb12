"""The messages catalog kept as JSON (kiosk/messages.py `load`): read back while the file
and the code are unchanged, parsed and checked again when either changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows import FlowDefinitionError
from kiosk import messages

GOOD = "kiosk.out_of_service:\n  zh-CN: 暂停服务\n  en: Out of service\n"
BAD = "Not A Code:\n  zh-CN: 暂停服务\n  en: Out of service\n"


class _Package:
    """The kiosk's messages.yaml in a folder of the test's: `data` writes it."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.data = text.encode()

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()

    @data.setter
    def data(self, value: bytes) -> None:
        self.path.write_bytes(value)


@pytest.fixture
def package(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Package]:
    fake = _Package(tmp_path_factory.mktemp("kiosk") / "messages.yaml", GOOD)
    monkeypatch.setattr(messages, "CATALOG_FILE", fake.path)
    before = messages._loaded
    yield fake
    messages._loaded = before  # the real catalog again for the tests after


def test_a_second_start_reads_the_kept_catalog_without_parsing(
    package: _Package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = messages.load(tmp_path)
    assert first["kiosk.out_of_service"].en == "Out of service"
    assert len(list(tmp_path.glob("messages-*.json"))) == 1

    def no_parse(data: bytes, source: str = "") -> dict[str, object]:
        raise AssertionError("parsed again")

    monkeypatch.setattr(messages, "parse_catalog", no_parse)
    again = messages.load(tmp_path)
    assert dict(again) == dict(first)
    assert messages.text("kiosk.out_of_service").zh == "暂停服务"


def test_a_changed_file_is_checked_again_and_a_malformed_one_refused(
    package: _Package, tmp_path: Path
) -> None:
    messages.load(tmp_path)
    package.data = BAD.encode()
    with pytest.raises(FlowDefinitionError, match="Not A Code"):
        messages.load(tmp_path)
    # The refused file left the kept catalog alone and wrote nothing of its own.
    assert len(list(tmp_path.glob("messages-*.json"))) == 1


def test_a_kept_file_of_another_key_or_torn_is_parsed_again(
    package: _Package, tmp_path: Path
) -> None:
    messages.load(tmp_path)
    (kept,) = tmp_path.glob("messages-*.json")
    kept.write_text('{"key": "other", "messages": {"kiosk.out_of_service": ["x", "y"]}}', "utf-8")
    assert messages.load(tmp_path)["kiosk.out_of_service"].en == "Out of service"
    kept.write_text('{"key": ', "utf-8")
    assert messages.load(tmp_path)["kiosk.out_of_service"].en == "Out of service"
