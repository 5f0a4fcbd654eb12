"""A catalog is accepted only whole: the manifest and every flow, with file and path errors."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import pytest
import yaml

from flows import FlowDefinitionError
from flows.catalog_model import ALWAYS
from flows.manifest import load_builtin_catalog, load_catalog, parse_catalog
from flows.yamlsafe import MAX_FILE_BYTES

TODAY = dt.date(2026, 11, 26)
THURSDAY_NIGHT = dt.datetime(2026, 11, 26, 3, 0)


def builtin_files() -> dict[str, bytes]:
    root = resources.files("flows.catalog")
    return {r.name: r.read_bytes() for r in root.iterdir() if r.name.endswith(".yaml")}


def manifest() -> dict:
    """The demo manifest with only its employment registration entry, for index paths."""
    data = yaml.safe_load(builtin_files()["manifest.yaml"])
    data["services"] = [s for s in data["services"] if s["flow"] == "employment_registration"]
    return data


def with_manifest(data: dict, **extra: bytes) -> dict[str, bytes]:
    text = yaml.safe_dump(data, allow_unicode=True).replace("'on'", "on")
    return {**builtin_files(), "manifest.yaml": text.encode(), **extra}


def test_the_demo_catalog_is_valid_and_offers_registration_around_the_clock() -> None:
    catalog = load_builtin_catalog(today=TODAY)
    assert catalog.region == "331122"
    registration = next(s for s in catalog.services if s.flow.id == "employment_registration")
    assert registration.hours == ALWAYS
    offered = catalog.offered(THURSDAY_NIGHT, {"id_card_reader"})
    assert "employment_registration" in [s.flow.id for s in offered]
    assert catalog.flow("employment_registration").version >= 1


def test_every_flow_of_the_demo_catalog_is_on_the_menu_but_the_rating() -> None:
    catalog = load_builtin_catalog(today=TODAY)
    assert {s.flow.id for s in catalog.services} == set(catalog.flows) - {"rating"}


def test_a_service_is_not_offered_without_a_device_it_cannot_do_without() -> None:
    catalog = load_builtin_catalog(today=TODAY)
    offered = [s.flow.id for s in catalog.offered(THURSDAY_NIGHT, {"receipt_printer"})]
    assert "employment_registration" not in offered


def test_a_service_may_need_any_one_of_several_devices() -> None:
    data = manifest()
    data["services"][0] = {"flow": "employment_registration",
                           "needs_any": ["id_card_reader", "social_card_reader"]}  # fmt: skip
    service = parse_catalog(with_manifest(data), today=TODAY).services[0]
    assert service.offered(THURSDAY_NIGHT, {"social_card_reader"})
    assert service.offered(THURSDAY_NIGHT, {"id_card_reader", "camera"})
    assert not service.offered(THURSDAY_NIGHT, {"camera", "receipt_printer"})


def test_the_demo_catalog_directory_loads_like_a_download(tmp_path: Path) -> None:
    for name, data in builtin_files().items():
        (tmp_path / name).write_bytes(data)
    assert load_catalog(tmp_path, today=TODAY).version == manifest()["version"]


def test_opening_hours_per_day() -> None:
    data = manifest()
    data["services"][0]["hours"] = {
        "mon-fri": ["8:30-12:00", "14:00-17:30"],
        "sat": ["09:00-12:00"],
    }
    hours = parse_catalog(with_manifest(data), today=TODAY).services[0].hours
    thursday = dt.date(2026, 11, 26)
    at = lambda d, hm: dt.datetime.combine(d, dt.time(*hm))  # noqa: E731
    assert hours.is_open(at(thursday, (8, 30)))
    assert not hours.is_open(at(thursday, (8, 29)))
    assert not hours.is_open(at(thursday, (12, 0)))  # the end is not included
    assert hours.is_open(at(thursday, (17, 29)))
    assert hours.is_open(at(dt.date(2026, 11, 28), (11, 0)))  # Saturday
    assert not hours.is_open(at(dt.date(2026, 11, 29), (11, 0)))  # Sunday: not listed


def test_a_whole_day_ends_at_24_00() -> None:
    data = manifest()
    data["services"][0]["hours"] = {"daily": ["00:00-24:00"]}
    hours = parse_catalog(with_manifest(data), today=TODAY).services[0].hours
    assert hours.is_open(dt.datetime(2026, 11, 29, 23, 59))


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        (["texts", "closed", "en"], KeyError, "texts.closed", "missing translation en"),
        (["title", "zh-CN"], KeyError, "title", "missing translation zh-CN"),
        (["texts", "welcome"], KeyError, "texts", "missing text welcome"),
        (["texts", "closed", "fr"], "Fermé", "texts.closed", "unknown key(s) fr"),
        (["region"], "990000", "region", "not a GB/T 2260 region code"),
        (["region"], "330103", "region", "not a GB/T 2260"),  # merged away in 2021
        (["format"], 2, "format", "manifest format 1"),
        (["version"], "seven", "version", "whole number"),
        (["colour"], "red", "", "unknown key(s) colour"),
        (["services"], [], "services", "at least one service"),
        (["services", 0, "flow"], "job_fair", "services[0].flow", "no file job_fair.yaml"),
        (["services", 0, "needs"], ["scanner"], "services[0].needs[0]", "unknown device"),
        (["services", 0, "hours"], "sometimes", "services[0].hours", "expected a mapping"),
        (["services", 0, "hours"], {"mon": ["8-17"]}, "services[0].hours.mon[0]",
         "like \"08:30-17:30\""),
        (["services", 0, "hours"], {"mon": ["17:30-08:30"]}, "services[0].hours.mon[0]",
         "ends after it starts"),
        (["services", 0, "hours"], {"daily": ["08:00-18:00"], "sun": []},
         "services[0].hours.sun", "sun is given twice"),
        (["services", 0, "hours"], {"fri-mon": []}, "services[0].hours.fri-mon", "a day is"),
        (["services", 0, "hours"], {"mon": ["08:00-12:00", "11:00-14:00"]},
         "services[0].hours", "overlap"),
        (["services", 1], {"flow": "employment_registration"}, "services[1].flow",
         "listed twice"),
        (["services", 0, "flow"], "rating", "services[0].flow", "follows other flows"),
        (["services", 0, "needs_any"], ["fax"], "services[0].needs_any[0]", "unknown device"),
    ],
)  # fmt: skip
def test_manifest_mistakes_name_the_file_and_path(path, value, where, problem) -> None:
    data = manifest()
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    elif isinstance(node, list) and path[-1] == len(node):  # append
        node.append(value)
    else:
        node[path[-1]] = value
    with pytest.raises(FlowDefinitionError) as caught:
        parse_catalog(with_manifest(data), today=TODAY)
    assert caught.value.source == "manifest.yaml"
    assert caught.value.path == where
    assert problem in caught.value.problem


def test_a_flow_missing_a_translation_stops_the_whole_catalog() -> None:
    files = builtin_files()
    text = files["employment_registration.yaml"].decode()
    text = text.replace(", en: Please check}", "}", 1)
    with pytest.raises(FlowDefinitionError) as caught:
        parse_catalog({**files, "employment_registration.yaml": text.encode()}, today=TODAY)
    assert caught.value.source == "employment_registration.yaml"
    assert caught.value.path == "steps.confirm.title"
    assert caught.value.problem == "missing translation en"


def test_a_flow_the_manifest_does_not_list_must_still_be_valid() -> None:
    bad = b"id: spare\nversion: 1\n"
    with pytest.raises(FlowDefinitionError, match="spare.yaml: <top>: missing key title"):
        parse_catalog({**builtin_files(), "spare.yaml": bad}, today=TODAY)


def test_a_flow_file_holds_the_flow_it_is_named_after() -> None:
    files = builtin_files()
    renamed = {**files, "job_fair.yaml": files["employment_registration.yaml"]}
    with pytest.raises(FlowDefinitionError, match="job_fair.yaml: id: the file name says"):
        parse_catalog(renamed, today=TODAY)


@pytest.mark.parametrize("name", ["Employment.yaml", "a b.yaml", "notes.txt.yaml"])
def test_odd_file_names_are_refused(name: str) -> None:
    with pytest.raises(FlowDefinitionError, match="named <flow id>.yaml"):
        parse_catalog({**builtin_files(), name: b"{}"}, today=TODAY)


def test_a_catalog_without_a_manifest_is_refused() -> None:
    files = builtin_files()
    del files["manifest.yaml"]
    with pytest.raises(FlowDefinitionError, match="no manifest"):
        parse_catalog(files)


def test_a_huge_file_in_a_catalog_directory_is_refused_unread(tmp_path: Path) -> None:
    for name, data in builtin_files().items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "huge.yaml").write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(FlowDefinitionError, match="huge.yaml: <top>: file is"):
        load_catalog(tmp_path)


def test_a_hostile_manifest_is_refused_like_a_hostile_flow() -> None:
    bomb = b'a: &a ["x", "x"]\nb: [*a, *a]\n'
    with pytest.raises(FlowDefinitionError, match="manifest.yaml: line 1, column 4: refused"):
        parse_catalog({**builtin_files(), "manifest.yaml": bomb})
