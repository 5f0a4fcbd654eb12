"""A technician's kiosk.toml: wrong entries are refused with the key that is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config

BASE = """
[kiosk]
hardware_id = "SN-1"
name = "测试站"
[controller]
url = "http://127.0.0.1:9"
pairing_code = "K7QM-4ZP2"
"""


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    return path


def test_a_minimal_file_gives_simulated_devices_and_every_service(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.pairing_code == "K7QM-4ZP2"
    assert config.id_card_reader.kind == "simulator"
    assert config.receipt_printer.kind == "file"
    assert config.services == ()
    assert config.data_dir == tmp_path / "data"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            '[receipt_printer]\nkind = "lp0"\n',
            "[receipt_printer] kind is one of file, device, simulator",
        ),
        ('[id_card_reader]\nkind = "serial"\n', "[id_card_reader] kind = 'serial' needs `url`"),
        ('[receipt_printer]\nkind = "device"\n', "[receipt_printer] kind = 'device' needs `path`"),
        ('[camera]\nlens = "wide"\n', "[camera] unknown key(s) lens"),
        (
            '[social_card_reader]\nkind = "usb"\n',
            "[social_card_reader] kind is one of none, pcsc, simulator",
        ),
        # A table name a technician mistyped, and the names of older files, are named.
        ('[printr]\nkind = "file"\n', "unknown table [printr]; the tables are camera,"),
        ('[idcard]\nkind = "serial"\n', "[idcard] is now called [id_card_reader]"),
        ('[printer]\nkind = "file"\n', "[printer] is now called [receipt_printer]"),
        ('[socialcard]\nkind = "none"\n', "[socialcard] is now called [social_card_reader]"),
        ("[id_card_reader]\ntimeout = 0.05\n", "[id_card_reader] timeout is 0.2 to 30 seconds"),
        ('[id_card_reader]\ntimeout = "slow"\n', "[id_card_reader] timeout is a number"),
        ("[camera]\nanalyse_fps = 0\n", "[camera] analyse_fps is 0.1 to 30 frames a second"),
        ('[camera]\nanalyse_fps = "4"\n', "[camera] analyse_fps is a number"),
    ],
)
def test_wrong_device_entries_are_refused_naming_the_key(
    tmp_path: Path, extra: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, extra))
    assert message in str(caught.value)


def test_a_slow_id_card_readers_timeout_is_set_in_the_file(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).id_card_reader.timeout == 2.0
    config = load_config(write(tmp_path, "[id_card_reader]\ntimeout = 5\n"))
    assert config.id_card_reader.timeout == 5


def test_the_camera_analyses_a_few_frames_a_second_as_the_file_says(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).camera.analyse_fps == 4.0
    config = load_config(write(tmp_path, "[camera]\nanalyse_fps = 2\n"))
    assert config.camera.analyse_fps == 2


def test_a_missing_key_and_broken_toml_are_config_errors(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\nname = "x"\n[controller]\nurl = "u"\n')
    with pytest.raises(ConfigError, match="missing key hardware_id"):
        load_config(path)
    path.write_text("[kiosk\n")
    with pytest.raises(ConfigError):
        load_config(path)


def test_a_kiosk_without_a_pairing_code_enrolls_for_approval(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\nhardware_id = "SN-1"\nname = "x"\n[controller]\nurl = "u"\n')
    assert load_config(path).pairing_code == ""


@pytest.mark.parametrize("key", ["enrollment_token", "enrollment_token_file"])
def test_an_enrollment_token_of_an_older_file_is_refused_saying_what_replaced_it(
    tmp_path: Path, key: str
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nhardware_id = "SN-1"\nname = "x"\n[controller]\nurl = "u"\n{key} = "t"\n'
    )
    with pytest.raises(ConfigError, match="enrollment tokens are gone: ask ops for a pairing code"):
        load_config(path)


def test_an_unknown_controller_key_is_refused(tmp_path: Path) -> None:
    # BASE ends inside [controller]: a mistyped key lands there.
    with pytest.raises(ConfigError, match=r"\[controller\] unknown key\(s\) pairing"):
        load_config(write(tmp_path, 'pairing = "x"\n'))


def test_the_help_phone_and_hotline_are_read_and_a_bad_one_is_named(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(BASE.replace('name = "测试站"', 'name = "测试站"\nhelp_phone = "0578-3123456"'))
    config = load_config(path)
    assert (config.help_phone, config.hotline) == ("0578-3123456", "12333")
    assert load_config(write(tmp_path, "")).help_phone == ""  # the hotline alone
    for bad in ('"call Li"', "5783123456"):
        path.write_text(BASE.replace('name = "测试站"', f'name = "测试站"\nhelp_phone = {bad}'))
        with pytest.raises(ConfigError, match=r"\[kiosk\] help_phone"):
            load_config(path)


def test_the_voice_is_espeak_off_at_normal_volume_without_a_voice_table(tmp_path: Path) -> None:
    voice = load_config(write(tmp_path, "")).voice
    assert (voice.backend, voice.enabled, voice.volume, voice.rate) == ("espeak", False, 100, 150)
    assert load_config(write(tmp_path, "")).voice_clips_dir is None


def test_the_voice_takes_volume_rate_and_a_clips_folder_beside_the_file(tmp_path: Path) -> None:
    config = load_config(
        write(tmp_path, '[voice]\nenabled = true\nvolume = 160\nrate = 120\nclips = "voice"\n')
    )
    assert (config.voice.enabled, config.voice.volume, config.voice.rate) == (True, 160, 120)
    assert config.voice_clips_dir == tmp_path / "voice"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[voice]\nvolume = 500\n", "[voice] volume is 0 to 200, not 500"),
        ("[voice]\nvolume = 0.5\n", "[voice] volume is a whole number"),
        ("[voice]\nrate = 10\n", "[voice] rate is 80 to 450, not 10"),
        ('[voice]\nrate = "slow"\n', "[voice] rate is a whole number"),
        ('[voice]\nbackend = "festival"\n', "[voice] backend is one of espeak, silent"),
        ('[voice]\nenabled = "yes"\n', "[voice] enabled is true or false"),
        ("[voice]\nclips = 3\n", "[voice] clips is a folder path"),
        ("[voice]\nspeed = 120\n", "[voice] unknown key(s) speed"),
    ],
)
def test_wrong_voice_entries_are_refused_naming_the_key(
    tmp_path: Path, extra: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, extra))
    assert message in str(caught.value)
