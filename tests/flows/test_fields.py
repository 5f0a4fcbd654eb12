from __future__ import annotations

import datetime as dt

import pytest

from flows.fields import FieldError, clean_value, display_value, paper_label
from flows.model import Choice, FieldKind, FieldSpec, Texts
from flows.regions import is_region_code
from flows.texts import (
    BUTTONS,
    FIELD_ERRORS,
    IDENTITY_CHOOSER,
    IDENTITY_FIELDS,
    IDENTITY_STEPS,
    NO_IDENTITY,
    field_error,
)
from pii.idnumber import check_character

TODAY = dt.date(2026, 11, 26)
ID_FIELD = FieldSpec("id_number", FieldKind.ID_NUMBER, Texts("身份证号码", "ID number"))
NAME_FIELD = FieldSpec("name", FieldKind.NAME, Texts("姓名", "Name"))
PHONE = FieldSpec("phone", FieldKind.MOBILE, Texts("手机号码", "Mobile number"))
NOTE = FieldSpec("note", FieldKind.TEXT, Texts("备注", "Note"), max_length=10, min_length=2)
DAY = FieldSpec("day", FieldKind.DATE, Texts("日期", "Date"), min_days=-30, max_days=30)
PERIOD = FieldSpec(
    "period",
    FieldKind.DATE_RANGE,
    Texts("期间", "Period"),
    min_days=-365,
    max_days=0,
    max_span_days=90,
)
KIND = FieldSpec(
    "kind",
    FieldKind.CHOICE,
    Texts("类型", "Type"),
    choices=(Choice("a", Texts("甲", "A")), Choice("b", Texts("乙", "B"))),
)
REGION = FieldSpec("region", FieldKind.REGION, Texts("户籍地", "Registered region"))
TYPES = FieldSpec(
    "types",
    FieldKind.MULTI_CHOICE,
    Texts("险种", "Insurance"),
    choices=(
        Choice("pension", Texts("养老保险", "Pension")),
        Choice("medical", Texts("医疗保险", "Medical")),
        Choice("unemployment", Texts("失业保险", "Unemployment")),
    ),
)
PLEDGE = FieldSpec(
    "pledge", FieldKind.CHECKBOX, Texts("本人承诺信息真实", "I declare this is true")
)
WANTS = FieldSpec("wants", FieldKind.CHECKBOX, Texts("需要培训", "I want training"), required=False)
ACCOUNT = FieldSpec("account", FieldKind.BANK_ACCOUNT, Texts("银行账号", "Bank account"))


def _id(first17: str) -> str:
    """An ID number whose only fault, if any, is in its first 17 digits."""
    return first17 + check_character(first17)


# Every message the field library can give: (field, typed value, code, values in the message).
BAD_INPUT = [
    (NOTE, "", "required", {"label": True}),
    (KIND, "", "choice", {"label": True}),
    (NOTE, "长" * 11, "too_long", {"label": True, "max": 10}),
    (NOTE, "长", "too_short", {"label": True, "min": 2}),
    (NOTE, "好\u202e的", "text_control", {"label": True}),  # a bidi override
    (NOTE, "a\x00b", "text_control", {"label": True}),
    (ID_FIELD, "11010519491231002", "id_format", {}),
    (ID_FIELD, "110105194912310021", "id_checksum", {}),
    (ID_FIELD, _id("11010519490230002"), "id_birth_date", {}),  # 30 February
    (ID_FIELD, _id("11010520301231002"), "id_birth_date", {}),  # born in the future
    (ID_FIELD, _id("99010519491231002"), "id_region", {}),  # no province 99
    (ID_FIELD, _id("33010320220101002"), "id_region", {}),  # 330103 was merged away in 2021
    (PHONE, "1381234567a", "mobile_format", {}),
    (PHONE, "1381234567", "mobile_length", {}),
    (PHONE, "138123456789", "mobile_length", {}),
    (PHONE, "23812345678", "mobile_prefix", {}),
    (PHONE, "12812345678", "mobile_prefix", {}),
    (NAME_FIELD, "Zhang San", "name_format", {}),
    (DAY, "31/12/2026", "date_format", {}),
    (DAY, "2026-02-30", "date_impossible", {}),
    (DAY, "2026-13-01", "date_impossible", {}),
    (DAY, "2026-10-26", "date_too_early", {"min": "2026-10-27"}),
    (DAY, "2027-01-01", "date_too_late", {"max": "2026-12-26"}),
    (PERIOD, "2026-01-01", "range_format", {}),
    (PERIOD, "2026-03-01/2026-01-01", "range_order", {}),
    (PERIOD, "2026-01-01/2026-06-01", "range_too_long", {"max": 90}),
    (PERIOD, "2026-01-01/2026-12-01", "date_too_late", {"max": "2026-11-26"}),
    (KIND, "c", "choice", {"label": True}),
    (REGION, "11010", "region_format", {}),
    (REGION, "990105", "region_unknown", {}),
    (REGION, "330103", "region_unknown", {}),  # 下城区: merged away in 2021
    (TYPES, "", "choice", {"label": True}),
    (TYPES, "pension,dental", "choice", {"label": True}),
    (TYPES, "pension," * 40, "choice", {"label": True}),  # longer than every code once
    (PLEDGE, "", "must_tick", {"label": True}),
    (PLEDGE, "no", "must_tick", {"label": True}),
    (WANTS, "maybe", "choice", {"label": True}),
    (ACCOUNT, "6217 0012 3456 789O", "bank_format", {}),  # a letter O for a zero
    (ACCOUNT, "62170012345", "bank_length", {}),
    (ACCOUNT, "62170012345678901234", "bank_length", {}),
]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
@pytest.mark.parametrize(("spec", "raw", "code", "values"), BAD_INPUT)
def test_each_bad_value_gets_its_message_in_the_citizens_language(
    spec: FieldSpec, raw: str, code: str, values: dict[str, object], lang: str
) -> None:
    filled = {k: (spec.label.get(lang) if v is True else v) for k, v in values.items()}
    with pytest.raises(FieldError) as caught:
        clean_value(spec, raw, lang=lang, today=TODAY)
    assert str(caught.value) == field_error(code, lang, **filled)


def test_every_field_error_message_is_exercised_above() -> None:
    assert {code for _, _, code, _ in BAD_INPUT} == set(FIELD_ERRORS)


@pytest.mark.parametrize("code", sorted(FIELD_ERRORS))
def test_every_message_is_a_sentence_in_both_languages(code: str) -> None:
    texts = FIELD_ERRORS[code]
    assert any("\u4e00" <= c <= "\u9fff" for c in texts.zh)
    assert texts.en[0].isupper() or texts.en.startswith("{label}")
    assert texts.zh.count("{") == texts.en.count("{")


def test_a_region_code_since_abolished_is_fine_for_someone_born_while_it_existed() -> None:
    number = _id("33010319900101002")
    assert clean_value(ID_FIELD, number, lang="en", today=TODAY) == number


@pytest.mark.parametrize(
    ("spec", "raw", "stored"),
    [
        (ID_FIELD, "11010519491231002x", "11010519491231002X"),
        (ID_FIELD, "１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width IME
        (PHONE, "+86 138-1234-5678", "13812345678"),
        (PHONE, "１３８１２３４５６７８", "13812345678"),
        (DAY, "2026-11-5", "2026-11-05"),
        (DAY, "2026/11/5", "2026-11-05"),
        (DAY, "2026年11月5日", "2026-11-05"),
        (PERIOD, "2026-01-01/2026-03-31", "2026-01-01/2026-03-31"),
        (PERIOD, "2026-1-1 至 2026-3-31", "2026-01-01/2026-03-31"),
        (PERIOD, "2026/01/01/2026/03/31", "2026-01-01/2026-03-31"),
        (PERIOD, "2026-01-01 ~ 2026-01-01", "2026-01-01/2026-01-01"),
        (NOTE, "第一行\n第二行", "第一行\n第二行"),
        (REGION, "331122", "331122"),
        (KIND, " b ", "b"),
    ],
)
def test_values_people_type_are_accepted_and_normalised(
    spec: FieldSpec, raw: str, stored: str
) -> None:
    assert clean_value(spec, raw, lang="zh-CN", today=TODAY) == stored


@pytest.mark.parametrize("name", ["张三", "阿依古丽·买买提", "欧阳修"])
def test_chinese_names_including_the_middle_dot_are_accepted(name: str) -> None:
    assert clean_value(NAME_FIELD, name, lang="zh-CN", today=TODAY) == name


@pytest.mark.parametrize("name", ["Zhang San", "张3", "·张"])
def test_other_names_are_refused_with_advice(name: str) -> None:
    with pytest.raises(FieldError, match="中文姓名"):
        clean_value(NAME_FIELD, name, lang="zh-CN", today=TODAY)


def test_an_optional_field_left_empty_is_stored_empty() -> None:
    optional = FieldSpec("x", FieldKind.MOBILE, Texts("手机", "Mobile"), required=False)
    assert clean_value(optional, "  ", lang="en", today=TODAY) == ""


@pytest.mark.parametrize(
    ("spec", "raw", "stored"),
    [
        (TYPES, "medical, pension", "pension,medical"),  # in the order listed, once each
        (TYPES, "medical，pension、medical", "pension,medical"),  # separators people type
        (PLEDGE, "yes", "yes"),
        (WANTS, "", "no"),
        (WANTS, "no", "no"),
        (ACCOUNT, "6217 0012-3456 7890 123", "6217001234567890123"),
        (ACCOUNT, "６２１７００１２３４５６", "621700123456"),  # full-width digits
    ],
)
def test_new_kinds_store_one_normal_form(spec: FieldSpec, raw: str, stored: str) -> None:
    assert clean_value(spec, raw, lang="zh-CN", today=TODAY) == stored


def test_several_choices_a_box_and_a_bank_account_are_shown_in_words() -> None:
    assert display_value(TYPES, "pension,medical", "zh-CN") == "养老保险、医疗保险"
    assert display_value(TYPES, "pension,medical", "en") == "Pension, Medical"
    assert display_value(PLEDGE, "yes", "zh-CN") == "已确认"
    assert display_value(WANTS, "no", "en") == "Not ticked"
    assert display_value(ACCOUNT, "6217001234567890123", "zh-CN") == "6217 **** 0123"


def test_a_date_range_and_a_choice_are_shown_in_words() -> None:
    assert display_value(PERIOD, "2026-01-01/2026-03-31", "zh-CN") == "2026-01-01 至 2026-03-31"
    assert display_value(PERIOD, "2026-01-01/2026-03-31", "en") == "2026-01-01 to 2026-03-31"
    assert display_value(KIND, "b", "en") == "B"


@pytest.mark.parametrize(
    ("code", "year", "listed"),
    [
        ("110105", 2026, True),  # 北京市朝阳区
        ("331122", 2026, True),  # 缙云县
        ("330103", 2026, False),  # 杭州市下城区, merged in 2021
        ("330103", 2000, True),
        ("990105", 2026, False),
        ("012345", 2026, False),
        ("11010", 2026, False),
        ("11010a", 2026, False),
    ],
)
def test_region_codes_are_checked_against_gb_t_2260_for_a_year(
    code: str, year: int, listed: bool
) -> None:
    assert is_region_code(code, year=year) is listed


@pytest.mark.parametrize(
    "texts",
    [
        *BUTTONS.values(),
        *IDENTITY_FIELDS.values(),
        *(t for triple in IDENTITY_STEPS.values() for t in triple),
        *IDENTITY_CHOOSER,
        NO_IDENTITY,
    ],
)
def test_the_engines_own_screens_speak_both_languages(texts: Texts) -> None:
    assert any("\u4e00" <= c <= "\u9fff" for c in texts.zh)
    assert texts.en.isascii()
    assert texts.en.strip()


@pytest.mark.parametrize(
    ("label", "on_paper"),
    [
        (Texts("想参加的培训（可多选）", "Courses (choose any)"), ("想参加的培训", "Courses")),
        (
            Texts("您属于哪类人员（可多选，可不选）", "Are you any? (choose any or none)"),
            ("您属于哪类人员", "Are you any?"),
        ),
        # A bracket that is part of the name, or says what the answer means, stays.
        (Texts("入职（开始就业）日期", "Start date"), ("入职（开始就业）日期", "Start date")),
        (
            Texts("养老保险缴费档次（上年度全省平均工资的比例）", "Contribution level"),
            ("养老保险缴费档次（上年度全省平均工资的比例）", "Contribution level"),
        ),
    ],
)
def test_paper_labels_drop_only_the_forms_filling_in_hint(
    label: Texts, on_paper: tuple[str, str]
) -> None:
    spec = FieldSpec("f", FieldKind.MULTI_CHOICE, label)
    assert (paper_label(spec, "zh-CN"), paper_label(spec, "en")) == on_paper
