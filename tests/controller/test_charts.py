"""controller/charts.py: SVG text from numbers, read back as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from controller import charts
from controller.charts import Chart, Series, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"
NO_DATA = "没有数据 No data"


def parsed(chart: Chart) -> ET.Element:
    """The chart's SVG as an XML tree (raises if it is not well-formed)."""
    return ET.fromstring(chart.svg)  # noqa: S314 - our own output, not untrusted input


def bars_of(chart: Chart) -> list[ET.Element]:
    return [e for e in parsed(chart).iter(f"{SVG}rect") if e.get("class") == "bar"]


def texts_of(chart: Chart) -> list[str]:
    return ["".join(e.itertext()) for e in parsed(chart).iter(f"{SVG}text")]


def column_chart(values: list[float], labels: list[str] | None = None) -> Chart:
    labels = labels or [f"{i:02d}:00" for i in range(len(values))]
    return charts.columns(
        "t", "标题 Title", "说明", labels, [Series("笔数", values)],
        label_header="小时", empty_text="没有数据 No data",
    )  # fmt: skip


def test_a_column_chart_is_well_formed_svg_with_a_title_and_a_description() -> None:
    root = parsed(column_chart([3, 1, 4]))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "标题 Title"
    assert root.findtext(f"{SVG}desc") == "说明"
    assert root.get("aria-labelledby") == "t-title t-desc"
    assert "Noto Sans CJK SC" in (root.get("font-family") or "")


def test_column_heights_are_proportional_to_the_values() -> None:
    values = [3, 1, 4, 0, 7]
    drawn = bars_of(column_chart(values))
    # A zero draws no bar; the others stand in the ratio of their values.
    assert [float(b.get("data-value") or 0) for b in drawn] == [3, 1, 4, 7]
    heights = [float(b.get("height") or 0) for b in drawn]
    for value, height in zip([3, 1, 4, 7], heights, strict=True):
        assert height / heights[0] == pytest.approx(value / 3, rel=1e-3)
    bottoms = {round(float(b.get("y") or 0) + float(b.get("height") or 0), 1) for b in drawn}
    assert len(bottoms) == 1  # all stand on the same axis


def test_the_axis_ticks_are_round_numbers_reaching_the_largest_value() -> None:
    assert nice_ticks(7) == [0, 2, 4, 6, 8]
    assert nice_ticks(100) == [0, 50, 100]
    assert nice_ticks(101) == [0, 50, 100, 150]
    assert nice_ticks(1) == [0, 0.5, 1]
    assert nice_ticks(0) == [0, 1]  # an axis even for nothing
    assert nice_ticks(1, whole=True) == [0, 1]  # counts: no tick at 0.5
    assert nice_ticks(3, whole=True) == [0, 1, 2, 3]
    for top in (1, 3, 9, 11, 99, 101, 1234, 0.3):
        ticks = nice_ticks(top)
        assert ticks[0] == 0, ticks
        assert ticks[-1] >= top, ticks
        assert len(ticks) <= 6, ticks
    texts = texts_of(column_chart([7, 2]))
    assert {"0", "2", "4", "6", "8"} <= set(texts)


def test_many_labels_are_thinned_so_they_stay_readable() -> None:
    labels = [f"{i:02d}" for i in range(30)]
    texts = texts_of(column_chart([1] * 30, labels))
    shown = [t for t in texts if t in labels]
    assert 6 <= len(shown) <= 12
    assert shown[0] == "00"
    wide = [f"11-{i:02d} 12:00" for i in range(1, 26)]
    spaced = [t for t in texts_of(column_chart([1] * 25, wide)) if t in wide]
    assert len(spaced) <= (charts.WIDTH - 68) // (charts.text_width(wide[0]) + 12)


def test_stacked_columns_put_each_series_on_the_one_below() -> None:
    chart = charts.columns(
        "s", "t", "d", ["a", "b"],
        [Series("x", [2, 1], "#111111"), Series("y", [2, 0], "#222222")],
        label_header="l", empty_text="none",
    )  # fmt: skip
    x_a, y_a, x_b = bars_of(chart)  # label by label, each stacked from the axis up
    assert float(x_b.get("height") or 0) == pytest.approx(float(x_a.get("height") or 0) / 2)
    assert float(y_a.get("height") or 0) == pytest.approx(float(x_a.get("height") or 0))
    assert float(y_a.get("y") or 0) + float(y_a.get("height") or 0) == pytest.approx(
        float(x_a.get("y") or 0)
    )
    assert chart.header == ("l", "x", "y")
    assert chart.rows == (("a", "2", "2"), ("b", "1", "0"))
    assert {"x", "y"} <= set(texts_of(chart))  # the legend
    unnamed = charts.columns(
        "s", "t", "d", ["a", "b"], [Series("x", [2, 0]), Series("y", [0, 1])],
        label_header="l", empty_text="none", legend=False,
    )  # fmt: skip
    assert not {"x", "y"} & set(texts_of(unnamed))


def test_horizontal_bar_lengths_are_proportional_and_the_scale_can_be_fixed() -> None:
    chart = charts.bars(
        "h", "t", "d", [("就业登记", 4.0), ("失业登记", 2.0)],
        label_header="服务", value_header="星", empty_text="none", top=5,
        texts=["4.0 ★", "2.0 ★"],
    )  # fmt: skip
    first, second = (float(b.get("width") or 0) for b in bars_of(chart))
    assert first / second == pytest.approx(2.0)
    assert first == pytest.approx((charts.WIDTH - 230 - 70) * 4 / 5, rel=1e-3)
    assert chart.rows == (("就业登记", "4.0 ★"), ("失业登记", "2.0 ★"))
    assert "就业登记" in texts_of(chart)


def test_a_long_label_is_cut_on_the_chart_and_whole_in_its_title_and_table() -> None:
    long = "灵活就业人员社会保险补贴申领与就业困难人员认定一件事"
    chart = charts.bars(
        "h", "t", "d", [(long, 1.0)], label_header="l", value_header="v", empty_text="none"
    )
    assert long not in texts_of(chart)
    assert any(t.endswith("…") and long.startswith(t[:-1]) for t in texts_of(chart))
    titles = ["".join(e.itertext()) for e in parsed(chart).iter(f"{SVG}title")]
    assert any(long in t for t in titles)
    assert chart.rows[0][0] == long


@pytest.mark.parametrize("kind", ["columns", "bars", "areas"])
def test_text_from_kiosks_stays_text(kind: str) -> None:
    evil = '<script>alert("x")</script>&"\''
    if kind == "bars":
        chart = charts.bars(
            "e", evil, evil, [(evil, 1.0)], label_header="l", value_header="v", empty_text="n"
        )
    else:
        draw = charts.columns if kind == "columns" else charts.areas
        chart = draw(
            "e", evil, evil, [evil, "b"], [Series(evil, [1, 2])], label_header="l", empty_text="n"
        )
    assert "<script" not in chart.svg
    root = parsed(chart)
    assert not list(root.iter(f"{SVG}script"))
    assert root.findtext(f"{SVG}title") == evil  # read back as the very text given
    assert any(evil in "".join(e.itertext()) for e in root.iter())


@pytest.mark.parametrize(
    "chart",
    [
        column_chart([0, 0, 0]),
        column_chart([]),
        charts.bars("e", "t", "d", [], label_header="l", value_header="v", empty_text=NO_DATA),
        charts.areas("e", "t", "d", ["a"], [Series("x", [3])], label_header="l",
                     empty_text=NO_DATA),
    ],
    ids=["zeros", "no-labels", "no-bars", "one-sample"],
)  # fmt: skip
def test_nothing_to_draw_says_so(chart: Chart) -> None:
    assert chart.empty
    assert bars_of(chart) == []
    assert "没有数据 No data" in texts_of(chart)
    assert "没有数据 No data" in (parsed(chart).findtext(f"{SVG}desc") or "")


def test_an_area_chart_stacks_its_series_with_a_legend() -> None:
    chart = charts.areas(
        "a", "t", "d", ["10:00", "11:00", "12:00"],
        [Series("正常", [2, 3, 1], "#1e7b45"), Series("离线", [1, 0, 2], "#9aa5b1")],
        label_header="时间", empty_text="none",
    )  # fmt: skip
    polygons = list(parsed(chart).iter(f"{SVG}polygon"))
    assert len(polygons) == 2
    green, grey = ([tuple(map(float, p.split(","))) for p in (e.get("points") or "").split()]
                   for e in polygons)  # fmt: skip
    # The grey band's bottom edge is the green band's top edge.
    assert sorted(grey[3:]) == sorted(green[:3])
    assert {"正常", "离线"} <= set(texts_of(chart))
    assert chart.rows == (("10:00", "2", "1"), ("11:00", "3", "0"), ("12:00", "1", "2"))


def test_charts_need_no_inline_style_or_script_and_are_deterministic() -> None:
    made = [
        column_chart([1, 2]),
        charts.bars("b", "t", "d", [("x", 1.0)], label_header="l", value_header="v",
                    empty_text="n"),
        charts.areas("a", "t", "d", ["1", "2"], [Series("x", [1, 2])], label_header="l",
                     empty_text="n"),
    ]  # fmt: skip
    for chart in made:
        assert "style" not in chart.svg
        assert "<script" not in chart.svg
        assert all(e.get("style") is None for e in parsed(chart).iter())
    assert column_chart([1, 2]).svg == column_chart([1, 2]).svg
