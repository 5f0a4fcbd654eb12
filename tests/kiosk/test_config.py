"""A technician's kiosk.toml: wrong entries are refused with the key that is wrong."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config, problems_at_start, warn_at_start
from tests.support.servers import free_port

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
    path.write_text('[kiosk]\nname = "x"\n[controller]\nurl = "http://c"\n')
    with pytest.raises(ConfigError, match="missing key hardware_id"):
        load_config(path)
    path.write_text("[kiosk\n")
    with pytest.raises(ConfigError):
        load_config(path)


def test_a_kiosk_without_a_pairing_code_enrolls_for_approval(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[kiosk]\nhardware_id = "SN-1"\nname = "x"\n[controller]\nurl = "http://c"\n')
    assert load_config(path).pairing_code == ""


@pytest.mark.parametrize("key", ["enrollment_token", "enrollment_token_file"])
def test_an_enrollment_token_of_an_older_file_is_refused_saying_what_replaced_it(
    tmp_path: Path, key: str
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'[kiosk]\nhardware_id = "SN-1"\nname = "x"\n[controller]\nurl = "http://c"\n{key} = "t"\n'
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


def test_a_controller_url_that_is_not_http_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(BASE.replace("http://127.0.0.1:9", "10.0.0.5:8000"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[controller\] url '10.0.0.5:8000' is not an http"):
        load_config(path)


def test_at_start_a_missing_serial_port_is_named_with_the_ports_there_are(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, '[id_card_reader]\nkind = "serial"\nurl = "/dev/ttyUSB97"\n')
    config = load_config(path)  # not refused: a USB reader may be unplugged today
    [port, _controller] = problems_at_start(config, ports=lambda: {"/dev/ttyS0"}, timeout=2)
    assert port == (
        f"{path}: [id_card_reader] url: /dev/ttyUSB97 is not a serial port of this kiosk;"
        " allowed: simulator, /dev/ttyS0 (the kiosk starts with the ID card reader missing)"
    )


def test_at_start_a_controller_that_does_not_answer_is_named_with_why(tmp_path: Path) -> None:
    port = free_port()
    path = write(tmp_path, "").read_text(encoding="utf-8")
    toml = tmp_path / "kiosk.toml"
    toml.write_text(path.replace("127.0.0.1:9", f"127.0.0.1:{port}"), encoding="utf-8")
    [problem] = problems_at_start(load_config(toml), ports=set, timeout=2)
    assert problem.startswith(
        f"{toml}: [controller] url: http://127.0.0.1:{port} is unreachable from the kiosk:"
        f" 127.0.0.1 refused the connection on port {port}"
    )
    assert problem.endswith("(the kiosk works offline and keeps trying)")


def test_at_start_a_problem_of_the_technicians_setup_names_its_key_in_station_json(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.json").write_text(
        json.dumps({"controller": {"url": f"http://127.0.0.1:{port}"},
                    "station": {"name": "东区大厅"},
                    "devices": {"id_card_reader": "/dev/ttyUSB97"}}),
        encoding="utf-8",
    )  # fmt: skip
    config = load_config(write(tmp_path, ""))
    with caplog.at_level(logging.WARNING, logger="kiosk.config"):
        warn_at_start(config).join(30)
    said = [r.getMessage() for r in caplog.records]
    assert any(
        f"{data / 'station.json'}: devices.id_card_reader: /dev/ttyUSB97 is not a serial port" in m
        for m in said
    ), said
    unreachable = f"{data / 'station.json'}: controller.url: http://127.0.0.1:{port} is unreachable"
    assert any(unreachable in m for m in said), said


def test_an_invalid_region_code_in_the_setup_stops_the_kiosk_naming_the_key(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "station.json").write_text(
        json.dumps({"controller": {"url": "http://127.0.0.1:9"},
                    "station": {"name": "东区大厅", "region_code": "99999900100"}}),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, ""))
    assert str(err.value) == (
        f"{data / 'station.json'}: station.region_code: '99999900100' is not 9 or 12 digits;"
        " allowed: 12 digits down to the village (9: township), of a county in GB/T 2260"
    )
