"""Kivy set-up happens in functions, in the right order; a missing CJK font is said plainly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.ui.kivy_setup import CJKFontMissing, find_cjk_font

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_ui_package_and_its_setup_does_not_import_kivy() -> None:
    code = (
        "import sys, kiosk.ui, kiosk.ui.kivy_setup, kiosk.ui.session, kiosk.ui.between_visits,"
        " kiosk.ui.navigator, kiosk.ui.end_notice, kiosk.ui.progress;"
        "sys.exit(any(m == 'kivy' or m.startswith('kivy.') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0


def test_importing_the_app_module_creates_no_window_and_leaves_our_argv_alone() -> None:
    # estation-kiosk --config kiosk.toml: Kivy would read --config as its own option.
    code = (
        "import sys; sys.argv = ['estation-kiosk', '--config', 'kiosk.toml'];"
        "import kiosk.ui.app;"
        "assert 'kivy.core.window' not in sys.modules, 'window created at import';"
        "assert sys.argv[1:] == ['--config', 'kiosk.toml']"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, timeout=60, check=False, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def test_a_missing_cjk_font_names_the_packages_to_install(tmp_path: Path) -> None:
    with pytest.raises(CJKFontMissing, match="fonts-wqy-zenhei or fonts-noto-cjk"):
        find_cjk_font(tmp_path / "nope.ttc")


def test_an_installed_cjk_font_is_found() -> None:
    assert find_cjk_font().is_file()


@pytest.mark.parametrize("fullscreen", [True, False], ids=["kiosk", "windowed"])
def test_the_kiosk_settings_are_set_before_the_window_exists(fullscreen: bool) -> None:
    code = (
        "import sys, tempfile; from kiosk.ui.kivy_setup import configure_kivy;"
        f"configure_kivy({fullscreen}, kivy_home=tempfile.mkdtemp());"
        "from kivy.config import Config;"
        "print([Config.get(s, k) for s, k in [('graphics', 'fullscreen'),"
        " ('graphics', 'show_cursor'), ('graphics', 'allow_screensaver'),"
        " ('kivy', 'exit_on_escape'), ('input', 'mouse')]])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, timeout=60, check=True, capture_output=True
    )
    kiosk = ["auto", "0", "0", "0", "mouse,disable_multitouch"]
    windowed = ["0", "1", "1", "1", "mouse,disable_multitouch"]
    assert done.stdout.decode().strip().splitlines()[-1] == str(kiosk if fullscreen else windowed)
