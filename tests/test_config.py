from __future__ import annotations

from pathlib import Path

import pytest

from kasuhara_live.config import load_config
from kasuhara_live.errors import ConfigError


def site(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_and_cover_every_section() -> None:
    cfg = load_config()
    assert cfg.asr.model == "embedded"
    assert cfg.audio.stereo_speakers == ("agent", "customer")
    assert cfg.vad.max_utterance_s <= cfg.asr.window_s
    assert cfg.ui.language == "ja"


def test_site_file_overrides_only_named_keys(tmp_path: Path) -> None:
    cfg = load_config(site(tmp_path, "[vad]\nhangover_ms = 600\n"))
    assert cfg.vad.hangover_ms == 600
    assert cfg.vad.aggressiveness == load_config().vad.aggressiveness
    assert cfg.source_files[-1].endswith("site.toml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[vad]\nhangovr_ms = 600\n", "unknown key 'vad.hangovr_ms'"),
        ("[vda]\nhangover_ms = 600\n", "unknown key 'vda'"),
        ("[vad]\naggressiveness = 7\n", "vad.aggressiveness = 7 is not allowed: expected a value from 0 to 3"),
        ("[vad]\naggressiveness = \"high\"\n", "vad.aggressiveness = 'high' is not allowed: expected an integer"),
        ("[asr]\ndevice = \"tpu\"\n", "asr.device = 'tpu' is not allowed: expected one of cpu, cuda, auto"),
        ("[asr]\nhallucination_blocklist = \"x\"\n", "expected a list of strings"),
        ("[asr]\npartial_windows_s = 5.0\n", "asr.partial_windows_s = 5.0 is not allowed: expected a list of numbers"),
        ("[asr]\npartial_windows_s = [5.0, 0.5]\n", "asr.partial_windows_s[1] = 0.5 is not allowed: expected a value"),
        ("[asr]\npartial_windows_s = [\"5\"]\n", "asr.partial_windows_s[0] = '5' is not allowed: expected a number"),
        ("[vad]\nmax_utterance_s = 20.0\n", "must not exceed asr.window_s"),
        ("[call]\ncaution_minutes = 40.0\n", "call.caution_minutes <= call.warning_minutes"),
        ("[audio]\nstereo_speakers = [\"agent\"]\n", "expected two different names"),
        ("vad = 3\n", "expected a table [vad]"),
        ("[vad\n", "is not valid TOML"),
    ],
)
def test_bad_site_file_names_the_key_value_and_what_is_allowed(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(site(tmp_path, text))
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
