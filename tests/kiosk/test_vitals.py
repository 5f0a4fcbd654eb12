"""The vitals a built kiosk puts in its heartbeat: plausible figures from the machine, its
catalog and configuration versions, and its outbox's health."""

from __future__ import annotations

from pathlib import Path

from devkit.demo import write_kiosk_config
from flows import load_builtin_catalog
from kiosk.composition import build_kiosk
from kiosk.config import load_config
from kiosk.vitals import memory_available_mb, process_rss_mb


def test_a_built_kiosks_heartbeat_carries_plausible_vitals(tmp_path: Path) -> None:
    config = load_config(
        write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    )
    kiosk = build_kiosk(config)
    try:
        vitals = kiosk.service.heartbeat().vitals
        assert vitals is not None
        assert vitals.disk_free_mb is not None
        assert vitals.disk_free_mb > 0
        assert vitals.memory_available_mb is not None
        assert vitals.memory_available_mb > 0
        assert vitals.process_rss_mb is not None
        assert 10 < vitals.process_rss_mb < 100_000
        assert vitals.uptime_seconds is not None
        assert 0 <= vitals.uptime_seconds < 600
        assert vitals.catalog_version == load_builtin_catalog().version
        assert vitals.config_version == config.config_version
        assert len(vitals.config_version) == 12
        assert (vitals.outbox_failed, vitals.outbox_quarantined) == (0, 0)
        assert vitals.outbox_used_percent == 0.0
        assert vitals.oldest_pending_seconds is None  # nothing waits
        assert vitals.clock_skew_seconds is None  # no heartbeat answered yet
        kiosk.sync.clock_skew = -1.5
        assert kiosk.service.heartbeat().vitals.clock_skew_seconds == -1.5  # type: ignore[union-attr]
    finally:
        kiosk.close()


def test_the_config_version_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = write_kiosk_config(tmp_path / "k.toml", "http://127.0.0.1:9", social_card_reader="none")
    first = load_config(path).config_version
    assert load_config(path).config_version == first  # the same file, the same version
    path.write_text(path.read_text(encoding="utf-8") + "\n# moved the printer\n", encoding="utf-8")
    assert load_config(path).config_version != first


def test_memory_figures_come_from_proc_and_a_missing_file_is_none(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 4096000 kB\nMemAvailable:  1048576 kB\n", encoding="ascii")
    assert memory_available_mb(meminfo) == 1024.0
    assert memory_available_mb(tmp_path / "absent") is None
    status = tmp_path / "status"
    status.write_text("Name: python\nVmRSS:\t  51200 kB\n", encoding="ascii")
    assert process_rss_mb(status) == 50.0
    assert process_rss_mb(tmp_path / "absent") > 0  # the peak from getrusage instead
