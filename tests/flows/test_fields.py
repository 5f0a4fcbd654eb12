from __future__ import annotations

import datetime as dt

import pytest

from flows.fields import FieldError, clean_value
from flows.model import FieldKind, FieldSpec, Texts
from pii.idnumber import check_character

TODAY = dt.date(2026, 11, 26)
ID_FIELD = FieldSpec("id_number", FieldKind.ID_NUMBER, Texts("身份证号码", "ID number"))
NAME_FIELD = FieldSpec("name", FieldKind.NAME, Texts("姓名", "Name"))


@pytest.mark.parametrize(
    ("raw", "zh", "en"),
    [
        ("11010519491231002", "应为18位", "18 characters"),
        ("110105194912310021", "有误", "not valid"),
        ("110105194902300026", "出生日期不正确", "birth date"),
        ("990105194912310027", "地区代码不存在", "region code"),
    ],
)
def test_a_typed_id_number_is_checked_with_a_message_per_reason(raw: str, zh: str, en: str) -> None:
    if len(raw) == 18 and zh != "有误":
        raw = raw[:17] + check_character(raw[:17])  # make only the named part wrong
    with pytest.raises(FieldError, match=zh):
        clean_value(ID_FIELD, raw, lang="zh-CN", today=TODAY)
    with pytest.raises(FieldError, match=en):
        clean_value(ID_FIELD, raw, lang="en", today=TODAY)


def test_a_valid_typed_id_number_is_normalised() -> None:
    assert clean_value(ID_FIELD, "11010519491231002x", lang="zh-CN", today=TODAY) == (
        "11010519491231002X"
    )


@pytest.mark.parametrize("name", ["张三", "阿依古丽·买买提", "欧阳修"])
def test_chinese_names_including_the_middle_dot_are_accepted(name: str) -> None:
    assert clean_value(NAME_FIELD, name, lang="zh-CN", today=TODAY) == name


@pytest.mark.parametrize("name", ["Zhang San", "张3", "·张"])
def test_other_names_are_refused_with_advice(name: str) -> None:
    with pytest.raises(FieldError, match="中文姓名"):
        clean_value(NAME_FIELD, name, lang="zh-CN", today=TODAY)
