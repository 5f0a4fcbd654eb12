"""A validated catalog read back from its JSON cache is the catalog the validator makes, and
any change to the files, the code or the year validates again."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from flows import FlowDefinitionError, builtin_files, parse_catalog
from flows import catalog_cache as cc
from flows.catalog_cache import KEEP, CatalogCache, decode_catalog, encode_catalog

TODAY = dt.date(2026, 11, 26)


def no_validation(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("the catalog was validated again")


def cached(tmp_path: Path, today: dt.date = TODAY) -> CatalogCache:
    return CatalogCache(tmp_path, today=lambda: today)


def test_the_demo_catalog_comes_back_from_json_equal_with_each_service_on_its_flow() -> None:
    catalog = parse_catalog(builtin_files(), today=TODAY)
    back = decode_catalog(json.loads(json.dumps(encode_catalog(catalog))))
    assert back == catalog
    assert all(s.flow is back.flows[s.flow.id] for s in back.services)


def test_a_second_start_with_the_same_files_skips_validation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cached(tmp_path).parse(builtin_files())
    monkeypatch.setattr(cc, "parse_catalog", no_validation)
    again = cached(tmp_path)
    assert again.parse(builtin_files()) == first
    assert again.hits == 1


def test_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    files = builtin_files()
    cached(tmp_path).parse(files)
    manifest = files["manifest.yaml"].replace(b"version: ", b"version: 9", 1)
    changed = cached(tmp_path)
    catalog = changed.parse({**files, "manifest.yaml": manifest})
    assert changed.hits == 0
    assert catalog == parse_catalog({**files, "manifest.yaml": manifest}, today=TODAY)


def test_new_code_or_a_new_year_validates_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached(tmp_path).parse(builtin_files())
    next_year = cached(tmp_path, TODAY.replace(year=TODAY.year + 1))
    next_year.parse(builtin_files())
    monkeypatch.setattr(cc, "code_version", lambda: "another build")
    new_code = cached(tmp_path)
    new_code.parse(builtin_files())
    assert (next_year.hits, new_code.hits) == (0, 0)


def test_an_invalid_catalog_raises_every_time_and_is_never_kept(tmp_path: Path) -> None:
    files = {**builtin_files(), "manifest.yaml": b"format: 1\nversion: 1\n"}
    for _ in range(2):
        with pytest.raises(FlowDefinitionError):
            cached(tmp_path).parse(files)
    assert list(tmp_path.glob("*.json")) == []


def test_a_torn_cache_file_is_validated_again_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = cached(tmp_path).parse(builtin_files())
    (kept,) = tmp_path.glob("catalog-*.json")
    kept.write_bytes(kept.read_bytes()[:1000])
    again = cached(tmp_path)
    assert again.parse(builtin_files()) == first
    assert again.hits == 0
    assert "catalog cache unreadable" in caplog.text
    assert cached(tmp_path).parse(builtin_files()) == first  # whole again


def test_a_file_made_for_other_files_is_not_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached(tmp_path).parse(builtin_files())
    (kept,) = tmp_path.glob("catalog-*.json")
    data = json.loads(kept.read_bytes())
    data["key"] = "0" * 64  # copied in under this name: its key says whose it is
    kept.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(cc, "parse_catalog", no_validation)
    with pytest.raises(AssertionError, match="validated again"):
        cached(tmp_path).parse(builtin_files())


def test_only_the_newest_few_cache_files_stay(tmp_path: Path) -> None:
    files = builtin_files()
    for version in range(KEEP + 2):
        manifest = files["manifest.yaml"].replace(b"version: ", f"version: {version}".encode(), 1)
        cached(tmp_path).parse({**files, "manifest.yaml": manifest})
    assert len(list(tmp_path.glob("catalog-*.json"))) == KEEP


def ours_imported_by(source: str) -> set[str]:
    """The modules of our packages (pii, wire, drivers, kiosk) that `source` imports."""
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found |= {n for n in names if n.split(".")[0] in {"pii", "wire", "drivers", "kiosk"}}
    return found


def test_the_cache_key_covers_all_code_the_validation_imports() -> None:
    import flows

    imported: set[str] = set()
    for path in Path(flows.__file__).parent.glob("*.py"):
        imported |= ours_imported_by(path.read_text(encoding="utf-8"))
    uncovered = {
        m
        for m in imported
        if m.split(".")[0] not in cc.VALIDATOR_PACKAGES and m not in cc.VALIDATOR_MODULES
    }
    assert uncovered == set()
    # ... and the scan sees such an import when there is one.
    assert ours_imported_by("from wire.release import Release\nimport kiosk.config") == {
        "wire.release",
        "kiosk.config",
    }


def sources_a_validation_runs() -> list[Path]:
    """The files of the validator's packages (flows, pii: subfolders too) that a fresh
    interpreter loads to validate the demo catalog; empty package markers hold no code."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    script = (
        "import sys\n"
        "from flows import builtin_files, parse_catalog\n"
        "parse_catalog(builtin_files())\n"
        "for m in list(sys.modules.values()):\n"
        "    print(getattr(m, '__file__', None) or '')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    found = {Path(line).resolve() for line in out.splitlines() if line}
    return sorted(
        p
        for p in found
        if root in p.parents
        and p.relative_to(root).parts[0] in cc.VALIDATOR_PACKAGES
        and p.stat().st_size > 0
    )


def code_version_with_changed(monkeypatch: pytest.MonkeyPatch, changed: Path) -> tuple[str, str]:
    """The validator's code version before and after `changed` is stamped as edited."""
    before = cc.code_version.__wrapped__()
    stamp = cc.file_stamp

    def edited(path: Path) -> str:
        return stamp(path) + " edited" if path.resolve() == changed else stamp(path)

    monkeypatch.setattr(cc, "file_stamp", edited)
    return before, cc.code_version.__wrapped__()


def test_a_file_rewritten_has_another_stamp_even_at_the_same_size(tmp_path: Path) -> None:
    import os

    source = tmp_path / "rules.py"
    source.write_bytes(b"LIMIT = 1\n")
    os.utime(source, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    first = cc.file_stamp(source)
    source.write_bytes(b"LIMIT = 2\n")  # same size, written later
    assert cc.file_stamp(source) != first
    source.write_bytes(b"LIMIT = 22\n")
    os.utime(source, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    assert cc.file_stamp(source) != first  # same time, another size
    source.unlink()
    assert cc.file_stamp(source) == "absent"


def test_an_edit_to_any_module_a_validation_runs_validates_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The loader is split over several modules (step_schema, field_schema, bundle_schema,
    # flow_checks): an edit to any of them, or to any other module of the validator's
    # packages the validation loads, in a subfolder too, must change the key, or a kiosk
    # would keep a catalog the new rules refuse. (The wire modules flows takes names from
    # are checked by import above.)
    sources = sources_a_validation_runs()
    names = {p.name for p in sources}
    assert {"loader.py", "step_schema.py", "field_schema.py", "flow_checks.py"} <= names
    unchanged = []
    for source in sources:
        before, after = code_version_with_changed(monkeypatch, source)
        monkeypatch.undo()
        if before == after:
            unchanged.append(str(source))
    assert unchanged == []
    # ... and a file the key does not cover leaves it as it was (the check can fail).
    outside = Path(__file__).resolve()
    before, after = code_version_with_changed(monkeypatch, outside)
    assert before == after


def test_the_catalogs_words_are_kept_once_each_and_read_back_shared() -> None:
    catalog = parse_catalog(builtin_files(), today=TODAY)
    data = json.loads(json.dumps(encode_catalog(catalog)))
    kept = [tuple(t) for t in data["texts"]]
    assert len(kept) == len(set(kept))  # each pair of words once
    back = decode_catalog(data)
    titles: dict[tuple[str, str], list[object]] = {}
    for flow in back.flows.values():
        for step in flow.steps.values():
            titles.setdefault((step.title.zh, step.title.en), []).append(step.title)
    repeated = [found for found in titles.values() if len(found) > 1]
    assert repeated  # words that several steps show (the check below can fail)
    assert all(all(t is found[0] for t in found) for found in repeated)  # one object each
