"""Checking one form value against its field spec; errors are sentences a person understands."""

from __future__ import annotations

import datetime as dt
import re

from flows.model import FieldKind, FieldSpec
from flows.texts import field_error
from pii import InvalidIdNumber, InvalidPhone, validate_id_number, validate_mobile

# Han characters plus the middle dot used in transliterated minority and foreign names.
_CHINESE_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+(?:[·•][\u3400-\u9fff\uf900-\ufaff]+)*")


class FieldError(ValueError):
    """A value failed its field's check; str() is the message for the citizen."""


def clean_value(spec: FieldSpec, raw: str, *, lang: str, today: dt.date) -> str:
    """Return the normalised value or raise FieldError with a message in `lang`."""
    value = raw.strip()
    label = spec.label.get(lang)
    if not value:
        if spec.required:
            code = "choice" if spec.kind is FieldKind.CHOICE else "required"
            raise FieldError(field_error(code, lang, label=label))
        return ""
    if len(value) > spec.max_length:
        raise FieldError(field_error("too_long", lang, label=label, max=spec.max_length))
    match spec.kind:
        case FieldKind.TEXT:
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
            return _clean_date(spec, value, lang, today)
        case FieldKind.CHOICE:
            if value not in {c.value for c in spec.choices}:
                raise FieldError(field_error("choice", lang, label=label))
            return value


def _clean_date(spec: FieldSpec, value: str, lang: str, today: dt.date) -> str:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as err:
        raise FieldError(field_error("date_format", lang)) from err
    if spec.min_days is not None and day < today + dt.timedelta(days=spec.min_days):
        earliest = (today + dt.timedelta(days=spec.min_days)).isoformat()
        raise FieldError(field_error("date_too_early", lang, min=earliest))
    if spec.max_days is not None and day > today + dt.timedelta(days=spec.max_days):
        latest = (today + dt.timedelta(days=spec.max_days)).isoformat()
        raise FieldError(field_error("date_too_late", lang, max=latest))
    return day.isoformat()


def display_value(spec: FieldSpec, value: str, lang: str) -> str:
    """How a stored value is shown back on a confirm screen."""
    if spec.kind is FieldKind.CHOICE:
        for choice in spec.choices:
            if choice.value == value:
                return choice.label.get(lang)
    return value
