"""Checking one form value against its field spec; errors are sentences a person understands."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from flows.model import FieldKind, FieldSpec
from flows.regions import is_region_code
from flows.texts import field_error
from pii import (
    InvalidIdNumber,
    InvalidPhone,
    mask_id_number,
    mask_name,
    mask_phone,
    validate_id_number,
    validate_mobile,
)

# Han characters plus the middle dot used in transliterated minority and foreign names.
_CHINESE_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+(?:[·•][\u3400-\u9fff\uf900-\ufaff]+)*")
# What people type for a day: 2026-01-31, 2026-1-31, 2026/1/31, 2026.1.31, 2026年1月31日.
_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", re.ASCII)
# Between the two days of a range: "/" (ISO 8601), "~", "至", "到" or " to ".
_RANGE_SEPARATOR = re.compile(r"\s*(?:/(?=\s*\d{4})|~|至|到|\s+to\s+)\s*", re.ASCII)
# Kinds typed as digits: full-width digits from a Chinese input method count as digits.
_NORMALISED = {
    FieldKind.MOBILE,
    FieldKind.ID_NUMBER,
    FieldKind.DATE,
    FieldKind.DATE_RANGE,
    FieldKind.REGION,
    FieldKind.BANK_ACCOUNT,
}
# Kinds whose values are codes from the field's own list, so bounded by it, not by length.
_CODED = {FieldKind.CHOICE, FieldKind.MULTI_CHOICE, FieldKind.CHECKBOX}
# Between the codes of a multi-choice value; a kiosk sends ",", people type the others.
_MULTI_SEPARATOR = re.compile(r"\s*[,，、]\s*")
# Unicode categories no keyboard gives a citizen that can disguise what is stored: control,
# format (zero-width, bidi overrides), surrogate, private-use and unassigned characters.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


class FieldError(ValueError):
    """A value failed its field's check; str() is the message for the citizen."""


def clean_value(spec: FieldSpec, raw: str, *, lang: str, today: dt.date) -> str:
    """Return the normalised value or raise FieldError with a message in `lang`."""
    value = raw.strip()
    if spec.kind in _NORMALISED:
        value = unicodedata.normalize("NFKC", value)
    label = spec.label.get(lang)
    if spec.kind is FieldKind.CHECKBOX:
        return _checkbox(spec, value, label, lang)
    if not value:
        if spec.required:
            code = "choice" if spec.kind in _CODED else "required"
            raise FieldError(field_error(code, lang, label=label))
        return ""
    if spec.kind not in _CODED and len(value) > spec.max_length:
        raise FieldError(field_error("too_long", lang, label=label, max=spec.max_length))
    allowed = "\n" if spec.kind is FieldKind.TEXT else ""  # free text may have lines
    if any(unicodedata.category(c) in _HIDDEN and c not in allowed for c in value):
        raise FieldError(field_error("text_control", lang, label=label))
    match spec.kind:
        case FieldKind.TEXT:
            if len(value) < spec.min_length:
                raise FieldError(field_error("too_short", lang, label=label, min=spec.min_length))
            return value
        case FieldKind.NAME:
            if not _CHINESE_NAME.fullmatch(value):
                raise FieldError(field_error("name_format", lang))
            return value
        case FieldKind.MOBILE:
            try:
                return validate_mobile(value)
            except InvalidPhone as err:
                raise FieldError(field_error(f"mobile_{err.reason}", lang)) from err
        case FieldKind.ID_NUMBER:
            try:
                return validate_id_number(value, today=today)
            except InvalidIdNumber as err:
                raise FieldError(field_error(f"id_{err.reason}", lang)) from err
        case FieldKind.DATE:
            return _in_bounds(spec, _day(value, lang), lang, today).isoformat()
        case FieldKind.DATE_RANGE:
            return _clean_range(spec, value, lang, today)
        case FieldKind.CHOICE:
            if value not in {c.value for c in spec.choices}:
                raise FieldError(field_error("choice", lang, label=label))
            return value
        case FieldKind.REGION:
            if not re.fullmatch(r"[0-9]{6}", value):
                raise FieldError(field_error("region_format", lang))
            if not is_region_code(value, year=today.year):
                raise FieldError(field_error("region_unknown", lang))
            return value
        case FieldKind.MULTI_CHOICE:
            return _multi(spec, value, label, lang)
        case FieldKind.BANK_ACCOUNT:
            return _bank_account(value, lang)
    raise AssertionError(spec.kind)  # every kind is handled above


def _checkbox(spec: FieldSpec, value: str, label: str, lang: str) -> str:
    if value == "yes":
        return value
    if value not in ("", "no"):
        raise FieldError(field_error("choice", lang, label=label))
    if spec.required:  # a declaration or pledge: the citizen must tick it to go on
        raise FieldError(field_error("must_tick", lang, label=label))
    return "no"


def _multi(spec: FieldSpec, value: str, label: str, lang: str) -> str:
    codes = [c.value for c in spec.choices]
    if len(value) > sum(len(c) + 1 for c in codes):
        raise FieldError(field_error("choice", lang, label=label))
    picked = {part for part in _MULTI_SEPARATOR.split(value) if part}
    if not picked <= set(codes):
        raise FieldError(field_error("choice", lang, label=label))
    return ",".join(c for c in codes if c in picked)


def _bank_account(value: str, lang: str) -> str:
    # Card numbers are printed in groups; people type the spaces or dashes too. No Luhn
    # check: passbook accounts and some older cards of Chinese banks do not follow it.
    digits = re.sub(r"[\s-]", "", value)
    if not digits.isascii() or not digits.isdigit():
        raise FieldError(field_error("bank_format", lang))
    if not 12 <= len(digits) <= 19:
        raise FieldError(field_error("bank_length", lang))
    return digits


def mask_bank_account(number: str) -> str:
    """Keep the first 4 and last 4 digits: 6222 **** 1234 (how banks print them)."""
    if len(number) < 12:
        return "*" * len(number)
    return f"{number[:4]} **** {number[-4:]}"


def mask_for_kind(kind: FieldKind) -> Callable[[str], str]:
    """How a personal value of `kind` is shown: masked by its kind, else starred whole."""
    masks: dict[FieldKind, Callable[[str], str]] = {
        FieldKind.ID_NUMBER: mask_id_number,
        FieldKind.NAME: mask_name,
        FieldKind.MOBILE: mask_phone,
        FieldKind.BANK_ACCOUNT: mask_bank_account,
    }
    return masks.get(kind, lambda v: "*" * len(v))


def matches(spec: FieldSpec | None, value: str, wanted: frozenset[str]) -> bool:
    """True if a stored value is one of `wanted` (a multi-choice value: any of its codes)."""
    if spec is not None and spec.kind is FieldKind.MULTI_CHOICE:
        return any(code in wanted for code in value.split(",") if code)
    return value in wanted


def codes(spec: FieldSpec, value: str) -> frozenset[str]:
    """The codes a stored value of a coded field stands for (one, or several)."""
    if spec.kind is FieldKind.MULTI_CHOICE:
        return frozenset(c for c in value.split(",") if c)
    return frozenset({value}) if value else frozenset()


def _day(value: str, lang: str) -> dt.date:
    match = _DAY.fullmatch(value)
    if match is None:
        raise FieldError(field_error("date_format", lang))
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError as err:  # 2026-02-30, month 13
        raise FieldError(field_error("date_impossible", lang)) from err


def _in_bounds(spec: FieldSpec, day: dt.date, lang: str, today: dt.date) -> dt.date:
    if spec.min_days is not None and day < today + dt.timedelta(days=spec.min_days):
        earliest = (today + dt.timedelta(days=spec.min_days)).isoformat()
        raise FieldError(field_error("date_too_early", lang, min=earliest))
    if spec.max_days is not None and day > today + dt.timedelta(days=spec.max_days):
        latest = (today + dt.timedelta(days=spec.max_days)).isoformat()
        raise FieldError(field_error("date_too_late", lang, max=latest))
    return day


def _clean_range(spec: FieldSpec, value: str, lang: str, today: dt.date) -> str:
    parts = _RANGE_SEPARATOR.split(value)
    if len(parts) != 2:
        raise FieldError(field_error("range_format", lang))
    first, last = (_in_bounds(spec, _day(p, lang), lang, today) for p in parts)
    if last < first:
        raise FieldError(field_error("range_order", lang))
    if spec.max_span_days is not None and (last - first).days + 1 > spec.max_span_days:
        raise FieldError(field_error("range_too_long", lang, max=spec.max_span_days))
    return f"{first.isoformat()}/{last.isoformat()}"


# How to fill in a field, said at the end of its label: "想参加的培训（可多选）". The form
# shows it; paper (a receipt, a slip) holds answers, where it means nothing.
_FORM_HINT = re.compile(r"\s*[（(](?:可多选|可不选|choose any)[^（()）]*[)）]\s*$")


def paper_label(spec: FieldSpec, lang: str) -> str:
    """A field's label as printed beside its answer: without the form's filling-in hint."""
    return _FORM_HINT.sub("", spec.label.get(lang))


def display_value(spec: FieldSpec, value: str, lang: str) -> str:
    """How a stored value is shown back on a confirm screen."""
    if spec.kind is FieldKind.CHOICE:
        for choice in spec.choices:
            if choice.value == value:
                return choice.label.get(lang)
    if spec.kind is FieldKind.MULTI_CHOICE:
        labels = [c.label.get(lang) for c in spec.choices if c.value in value.split(",")]
        return ("、" if lang != "en" else ", ").join(labels)
    if spec.kind is FieldKind.CHECKBOX:
        ticked = value == "yes"
        if lang == "en":
            return "Confirmed" if ticked else "Not ticked"
        return "已确认" if ticked else "未勾选"
    if spec.kind is FieldKind.BANK_ACCOUNT:
        return mask_bank_account(value)
    if spec.kind is FieldKind.DATE_RANGE and "/" in value:
        first, last = value.split("/", 1)
        return f"{first} 至 {last}" if lang != "en" else f"{first} to {last}"
    return value
