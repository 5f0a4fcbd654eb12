"""The palette keeps text readable for people with weak eyesight (WCAG contrast ratios)."""

from __future__ import annotations

import pytest

from kiosk.ui import theme


def _luminance(colour: theme.RGBA) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: theme.RGBA, b: theme.RGBA) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(
    ("text", "background", "minimum"),
    [
        (theme.TEXT, theme.BACKGROUND, 7.0),
        (theme.TEXT, theme.SURFACE, 7.0),
        (theme.MUTED, theme.BACKGROUND, 7.0),
        (theme.ON_ACCENT, theme.ACCENT, 7.0),
        (theme.ACCENT, theme.SURFACE, 7.0),
        (theme.ERROR, theme.BACKGROUND, 4.5),
        (theme.DEMO, theme.DEMO_LIGHT, 4.5),
    ],
)
def test_text_colours_meet_their_contrast_floor(
    text: theme.RGBA, background: theme.RGBA, minimum: float
) -> None:
    assert contrast(text, background) >= minimum


def test_size_floors_for_elderly_users() -> None:
    assert theme.TOUCH_MIN >= 88
    assert theme.BUTTON_HEIGHT >= theme.TOUCH_MIN
    assert min(theme.BODY, theme.SMALL) >= 28
    assert min(theme.TITLE, theme.HEADLINE) >= 44
    assert theme.MAX_PER_ROW <= 5


def test_elder_body_is_the_size_elder_mode_draws_body_text_at() -> None:
    style = theme.Style()
    style.elder = True
    assert style.body == theme.ELDER_BODY >= 1.5 * theme.BODY
    style.elder = False
    assert style.body == theme.BODY
