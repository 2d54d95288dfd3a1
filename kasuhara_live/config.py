"""Loading and validating configuration.

Every tunable lives in ``configs/default.toml``; a site file given with ``--config`` is layered over it
key by key.  Validation is driven by the dataclasses below: an unknown key, a value of the wrong type or
one outside its allowed range is a :class:`ConfigError` naming the key path, the value and what is
allowed, so an admin can fix a typo without reading code.
"""

from __future__ import annotations

import dataclasses
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kasuhara_live.errors import ConfigError

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "configs" / "default.toml"


def _spec(*, lo: float | None = None, hi: float | None = None, choices: tuple[str, ...] = ()) -> Any:
    """Field metadata: allowed numeric range and/or allowed string choices."""
    return {"lo": lo, "hi": hi, "choices": choices}


@dataclass(frozen=True)
class AudioConfig:
    """How sources are read and which channel is which speaker."""

    stereo_speakers: tuple[str, ...]
    mono_speaker: str
    chunk_ms: int = field(metadata=_spec(lo=10, hi=1000))
    live_sample_rate: int = field(metadata=_spec(lo=8000, hi=48000))


@dataclass(frozen=True)
class VadConfig:
    """webrtcvad segmentation: per-speaker utterances with pre-roll and hangover."""

    aggressiveness: int = field(metadata=_spec(lo=0, hi=3))
    frame_ms: int = field(metadata=_spec(lo=10, hi=30))
    trigger_ms: int = field(metadata=_spec(lo=10, hi=2000))
    trigger_ratio: float = field(metadata=_spec(lo=0.05, hi=1.0))
    pre_roll_ms: int = field(metadata=_spec(lo=0, hi=2000))
    hangover_ms: int = field(metadata=_spec(lo=30, hi=5000))
    tail_ms: int = field(metadata=_spec(lo=0, hi=2000))
    min_speech_ms: int = field(metadata=_spec(lo=0, hi=5000))
    max_utterance_s: float = field(metadata=_spec(lo=1.0, hi=30.0))
    cut_search_s: float = field(metadata=_spec(lo=0.0, hi=30.0))


@dataclass(frozen=True)
class AsrConfig:
    """Streaming Whisper: which model, how it is run and how hallucinations are suppressed."""

    model: str
    language: str
    device: str = field(metadata=_spec(choices=("cpu", "cuda", "auto")))
    compute_type: str = field(metadata=_spec(choices=("int8", "int8_float16", "int8_float32", "float16", "float32",
                                                "default", "auto"))
    )
    cpu_threads: int = field(metadata=_spec(lo=0, hi=256))
    workers: int = field(metadata=_spec(lo=1, hi=64))  # batches decoded at once (each on cpu_threads threads)
    beam_size: int = field(metadata=_spec(lo=1, hi=10))
    final_beam_size: int = field(metadata=_spec(lo=1, hi=10))
    final_hypotheses: int = field(metadata=_spec(lo=1, hi=10))
    hypothesis_margin: float = field(metadata=_spec(lo=0.0, hi=10.0))
    window_s: float = field(metadata=_spec(lo=1.0, hi=30.0))
    max_tokens_per_second: float = field(metadata=_spec(lo=2.0, hi=50.0))
    partial_interval_s: float = field(metadata=_spec(lo=0.2, hi=30.0))
    min_partial_s: float = field(metadata=_spec(lo=0.1, hi=30.0))
    max_batch: int = field(metadata=_spec(lo=1, hi=64))
    partial_windows_s: tuple[float, ...] = field(metadata=_spec(lo=1.0, hi=30.0))
    partial_max_wait_s: float = field(metadata=_spec(lo=0.05, hi=60.0))
    max_queued_partials: int = field(metadata=_spec(lo=1, hi=4096))
    max_queued_finals: int = field(metadata=_spec(lo=1, hi=4096))
    skip_partials_behind_s: float = field(metadata=_spec(lo=0.0, hi=60.0))
    no_speech_threshold: float = field(metadata=_spec(lo=0.0, hi=1.0))
    logprob_threshold: float = field(metadata=_spec(lo=-20.0, hi=0.0))
    hotwords: str
    hallucination_blocklist: tuple[str, ...]


@dataclass(frozen=True)
class CallConfig:
    """Call-length thresholds (拘束): minutes after which the call reaches each level."""

    caution_minutes: float = field(metadata=_spec(lo=0.5, hi=600.0))
    warning_minutes: float = field(metadata=_spec(lo=0.5, hi=600.0))
    limit_minutes: float = field(metadata=_spec(lo=0.5, hi=600.0))


@dataclass(frozen=True)
class JudgeConfig:
    """Harassment detection: which files, which speakers, weights and thresholds of the two axes."""

    lexicon_files: tuple[str, ...]
    scripts_file: str
    speakers: tuple[str, ...]
    judge_partials: bool
    min_fuzzy_kana: int = field(metadata=_spec(lo=2, hi=20))
    kana_per_error: int = field(metadata=_spec(lo=2, hi=20))
    max_reading_errors: int = field(metadata=_spec(lo=0, hi=5))
    command_weight: float = field(metadata=_spec(lo=0.0, hi=3.0))
    rough_ending_weight: float = field(metadata=_spec(lo=0.0, hi=3.0))
    barked_weight: float = field(metadata=_spec(lo=0.0, hi=3.0))
    tone_max: float = field(metadata=_spec(lo=0.0, hi=3.0))
    te_yaru_weight: float = field(metadata=_spec(lo=0.0, hi=3.0))
    repeated_clause_weight: float = field(metadata=_spec(lo=0.0, hi=3.0))
    repeated_contact_weight: float = field(metadata=_spec(lo=0.0, hi=3.0))
    many_contacts: int = field(metadata=_spec(lo=2, hi=1000))
    long_hold_hours: int = field(metadata=_spec(lo=1, hi=24))
    conduct_high: float = field(metadata=_spec(lo=0.1, hi=10.0))
    coercion: float = field(metadata=_spec(lo=0.0, hi=10.0))
    demand_grey: float = field(metadata=_spec(lo=0.0, hi=10.0))
    shout_db: float = field(metadata=_spec(lo=1.0, hi=40.0))
    shout_weight: float = field(metadata=_spec(lo=0.0, hi=3.0))
    baseline_utterances: int = field(metadata=_spec(lo=1, hi=50))
    repeat_count: int = field(metadata=_spec(lo=2, hi=50))
    repeat_window_minutes: float = field(metadata=_spec(lo=0.5, hi=120.0))
    decay_minutes: float = field(metadata=_spec(lo=0.5, hi=120.0))
    context_seconds: float = field(metadata=_spec(lo=0.0, hi=30.0))
    agent_final_warning_phrases: tuple[str, ...]
    model_file: str  # the second-opinion model (kasuhara_live/judge/model.py); "" turns it off
    model_threshold: float = field(metadata=_spec(lo=0.5, hi=1.0))
    # the model's threshold for an utterance aimed at no one (no person addressed or named, no order, no rule's
    # cue); 1.0: the model never raises such an utterance
    model_threshold_unaddressed: float = field(metadata=_spec(lo=0.5, hi=1.0))
    model_min_kana: int = field(metadata=_spec(lo=0, hi=100))


@dataclass(frozen=True)
class HubConfig:
    """The websocket hub: where it listens, who may connect, and its bounds."""

    host: str
    port: int = field(metadata=_spec(lo=0, hi=65535))
    users_file: str
    tls_cert: str
    tls_key: str
    max_message_bytes: int = field(metadata=_spec(lo=1024, hi=16 * 1024 * 1024))
    history_events_per_call: int = field(metadata=_spec(lo=10, hi=100000))
    client_queue_limit: int = field(metadata=_spec(lo=10, hi=100000))
    ended_call_linger_s: float = field(metadata=_spec(lo=0.0, hi=86400.0))
    silent_call_forget_s: float = field(metadata=_spec(lo=60.0, hi=86400.0))


@dataclass(frozen=True)
class MonitorConfig:
    """The per-seat monitor: which devices it captures and how it reaches the hub."""

    hub_url: str
    input_device: str
    caller_device: str
    buffer_events: int = field(metadata=_spec(lo=100, hi=1000000))
    reconnect_max_s: float = field(metadata=_spec(lo=0.1, hi=300.0))
    caller_salt: str


@dataclass(frozen=True)
class IngestConfig:
    """The call server (`kasuhara-live ingest`): which protocols it listens on, who may send calls, and how each
    call's agent is found from the phone system's metadata."""

    hub_url: str
    sip_listen: str  # "host:port" for SIPREC over UDP and TCP; "" = off
    rtp_port_min: int = field(metadata=_spec(lo=1024, hi=65535))
    rtp_port_max: int = field(metadata=_spec(lo=1024, hi=65535))
    audiohook_listen: str  # "host:port" for AudioHook websockets; "" = off
    audiohook_path: str
    tls_cert: str  # PEM files for wss:// (AudioHook); "" = plain ws:// (loopback and tests only)
    tls_key: str
    allow: tuple[str, ...]  # peers (addresses or CIDR networks) that may send calls; others are refused
    api_key_sha256: tuple[str, ...]  # AudioHook X-API-KEY values accepted, as hex sha256
    agents: tuple[str, ...]  # "phone-system key = hub agent", e.g. "sip:2001@pbx.example = sato"
    unknown_agent: str  # hub agent for calls whose key is not mapped; "" = refuse such calls
    max_calls: int = field(metadata=_spec(lo=1, hi=10000))
    no_media_timeout_s: float = field(metadata=_spec(lo=1.0, hi=3600.0))
    max_lag_s: float = field(metadata=_spec(lo=0.1, hi=30.0))
    partial_speakers: tuple[str, ...]  # whose utterances get partial hypotheses; the others get finals only


@dataclass(frozen=True)
class StoreConfig:
    """The call store (SQLite): where it is and how long transcripts are kept."""

    path: str
    retention_days: int = field(metadata=_spec(lo=1, hi=36500))


@dataclass(frozen=True)
class ConsoleConfig:
    """The agent and supervisor consoles."""

    hub_url: str
    transcript_lines: int = field(metadata=_spec(lo=10, hi=10000))
    supervisor_messages: tuple[str, ...]


@dataclass(frozen=True)
class UiConfig:
    """What language people see: consoles, scripts, alerts and reports."""

    language: str = field(metadata=_spec(choices=("ja", "en")))


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    audio: AudioConfig
    vad: VadConfig
    asr: AsrConfig
    call: CallConfig
    judge: JudgeConfig
    hub: HubConfig
    monitor: MonitorConfig
    ingest: IngestConfig
    console: ConsoleConfig
    store: StoreConfig
    ui: UiConfig
    source_files: tuple[str, ...] = ()
    # (key path, config file) for every key a file set, the last file that set it winning: a file a site names
    # is looked for beside the site file, not beside the shipped defaults (see resolve_config_file)
    key_sources: tuple[tuple[str, str], ...] = ()

    def source_of(self, key: str) -> str:
        """The config file that set ``key`` (a dotted path such as ``judge.lexicon_files``); "" when unknown."""
        return next((source for path, source in reversed(self.key_sources) if path == key), "")


def _type_name(tp: Any) -> str:
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    if typing.get_origin(tp) is tuple:
        return "a list of strings"
    return names.get(tp, str(tp))


def resolve_config_file(cfg: Config, name: str, key: str = "") -> Path:
    """A file named in the config: absolute, or relative to the directory of a config file.

    With ``key`` (the key that names it: ``judge.lexicon_files``), the directory of the config file that set the key
    comes first, and a file found nowhere is reported there: a site file's ``lx1.toml`` is the one beside the site
    file. The other config files' directories follow, the last first, so a site file may still name a shipped file
    (``lexicon.toml``) that is not beside it."""
    path = Path(name).expanduser()
    if path.is_absolute():
        return path
    named_in = cfg.source_of(key) if key else ""
    dirs = [Path(named_in).parent] if named_in else []
    dirs += [Path(source).parent for source in reversed(cfg.source_files)]
    for directory in dirs:
        candidate = directory / path
        if candidate.exists():
            return candidate
    if named_in:
        return Path(named_in).parent / path
    return Path(cfg.source_files[0]).parent / path if cfg.source_files else path


def _coerce(path: str, value: Any, tp: Any, meta: Mapping[str, Any]) -> Any:
    """Check one leaf value against its declared type and metadata; return the typed value."""
    if typing.get_origin(tp) is tuple and typing.get_args(tp)[0] is float:
        if not isinstance(value, list):
            raise ConfigError(f"{path} = {value!r} is not allowed: expected a list of numbers")
        return tuple(_coerce(f"{path}[{i}]", v, float, meta) for i, v in enumerate(value))
    if typing.get_origin(tp) is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path} = {value!r} is not allowed: expected a list of strings")
        return tuple(value)
    if tp is bool:
        ok = isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, tp)
    if not ok:
        raise ConfigError(f"{path} = {value!r} is not allowed: expected {_type_name(tp)}")
    lo, hi, choices = meta.get("lo"), meta.get("hi"), meta.get("choices") or ()
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise ConfigError(f"{path} = {value!r} is not allowed: expected a value from {lo} to {hi}")
    if choices and value not in choices:
        raise ConfigError(f"{path} = {value!r} is not allowed: expected one of {', '.join(choices)}")
    return value


_INTERNAL_FIELDS = frozenset({"source_files", "key_sources"})  # set by the loader, never by a config file


def build_section(cls: type[Any], data: Mapping[str, Any], path: str) -> Any:
    """Build a frozen dataclass from a TOML table, rejecting unknown keys and bad values."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        key_path = f"{path}.{key}" if path else key
        if key not in fields or key in _INTERNAL_FIELDS:
            allowed = ", ".join(sorted(k for k in fields if k not in _INTERNAL_FIELDS))
            raise ConfigError(f"unknown key {key_path!r}: allowed keys here are {allowed}")
        tp = hints[key]
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, dict):
                raise ConfigError(f"{key_path} = {value!r} is not allowed: expected a table [{key_path}]")
            kwargs[key] = build_section(typing.cast(type, tp), value, key_path)
        else:
            kwargs[key] = _coerce(key_path, value, tp, fields[key].metadata)
    missing = [name for name, f in fields.items() if name not in kwargs and name not in _INTERNAL_FIELDS
               and f.default is dataclasses.MISSING]
    if missing:
        where = f"{path}.{missing[0]}" if path else missing[0]
        raise ConfigError(f"missing key {where!r} (the defaults file must define every key)")
    return cls(**kwargs)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Layer ``over`` on ``base`` table by table (a site file changes only the keys it names)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def read_toml(path: Path, what: str = "config file", missing_hint: str = "") -> dict[str, Any]:
    """Read one TOML file (a ``what``), turning I/O and syntax errors into a one-line ConfigError;
    ``missing_hint`` says how to create the file when it does not exist."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{what} not found: {path}{missing_hint}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from None


def default_config_path() -> Path:
    """The shipped defaults: the repository's ``configs/default.toml``."""
    return DEFAULT_CONFIG_PATH


def _key_paths(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths of the leaf keys of a TOML table."""
    paths = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        paths.extend(_key_paths(value, path) if isinstance(value, dict) else [path])
    return paths


def validate(data: Mapping[str, Any], sources: tuple[str, ...] = (),
             key_sources: tuple[tuple[str, str], ...] = ()) -> Config:
    """Validate a merged TOML mapping and check cross-field rules."""
    cfg: Config = build_section(Config, data, "")
    cfg = dataclasses.replace(cfg, source_files=sources, key_sources=key_sources)
    if cfg.vad.max_utterance_s > cfg.asr.window_s:
        raise ConfigError(
            f"vad.max_utterance_s = {cfg.vad.max_utterance_s} is not allowed: it must not exceed "
            f"asr.window_s = {cfg.asr.window_s} (an utterance must fit in the encoder window)"
        )
    if cfg.asr.final_hypotheses > cfg.asr.final_beam_size:
        raise ConfigError(
            f"asr.final_hypotheses = {cfg.asr.final_hypotheses} is not allowed: it must not exceed "
            f"asr.final_beam_size = {cfg.asr.final_beam_size} (each hypothesis is one beam)"
        )
    if not cfg.call.caution_minutes <= cfg.call.warning_minutes <= cfg.call.limit_minutes:
        raise ConfigError(
            "call.caution_minutes <= call.warning_minutes <= call.limit_minutes must hold, got "
            f"{cfg.call.caution_minutes}, {cfg.call.warning_minutes}, {cfg.call.limit_minutes}"
        )
    if len(cfg.audio.stereo_speakers) != 2 or len(set(cfg.audio.stereo_speakers)) != 2:
        raise ConfigError(
            f"audio.stereo_speakers = {list(cfg.audio.stereo_speakers)!r} is not allowed: "
            "expected two different names, left channel first"
        )
    return cfg


def load_config(site: Path | None = None) -> Config:
    """Load the defaults and, if given, a site file layered over them."""
    base_path = default_config_path()
    data = read_toml(base_path)
    sources = [str(base_path)]
    key_sources = [(path, str(base_path)) for path in _key_paths(data)]
    if site is not None:
        over = read_toml(site)
        data = _merge(data, over)
        sources.append(str(site))
        key_sources += [(path, str(site)) for path in _key_paths(over)]
    return validate(data, tuple(sources), tuple(key_sources))
