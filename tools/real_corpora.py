#!/usr/bin/env python3
"""Rebuild the real, human-written Japanese measurement corpora from fetched GitHub mirrors.

    .venv/bin/python tools/real_corpora.py [OUT_DIR] [--mirror DIR]

OUT_DIR defaults to ``../realdata`` next to the repository; ``--mirror`` to ``/work/.mirror`` (the search tool's
``fetch`` puts a bare git directory for ``owner/name`` at ``DIR/owner+name/repo``). Every corpus is read at a pinned
commit, sampled with a fixed seed and written as one TSV in the realtext format that ``kasuhara-live eval`` reads:
``id level category text source_category source target`` (``level`` is ``warning`` for harassment and ``none``
for the rest, ``category`` empty). ``target`` is our own hand annotation of each harassment row (``person`` when
it is aimed at a person or people, ``other`` when not); it is empty on ok rows. The annotations are kept below as
ids only, so that no corpus text is in the repository. See docs/real-corpora.md for what each corpus is, its
licence and why no text of it may be committed.

The output is the same on every run: pinned commits, sorted inputs, seeded sampling, sorted rows.
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
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kasuhara_live.judge.evaluate import POLITE_FORMS

SEED = 1729
MIN_CHARS, MAX_CHARS = 4, 120
POLITE = POLITE_FORMS  # the register split eval and ../shared/tools/realtext_check.py use
HEADER = ("id", "level", "category", "text", "source_category", "source", "target")

JDD = ("jqk09a/japanese-daily-dialogue", "5e612e02da1228e22d2c8eec6aebe6eaa15b48f9")
RPC = ("nu-dialogue/real-persona-chat", "28d0b6b3865b29cabc26c230a2db37cdf315e937")
ASDC = ("megagonlabs/asdc", "f37d6575c73602adcb8ae3687520726793baa672")
# the Nishika hate-speech data (open2ch posts) was committed here and removed again: read at that commit
OPEN2CH = ("kubotaissei/defamation_japanese_twitter", "39e052c0d50cd206e5b613a4983c1bf38fc04599")

# Words that make an open2ch line unfit as an "ok" row although the publisher did not label its post hate
# speech (that label is about attacks on groups; plain insults and threats were left unlabelled).
ABUSE = re.compile(
    r"死ね|しね|氏ね|市ね|ｼﾈ|殺す|殺せ|殺し|ころす|ぶっ殺|殴る|殴れ|カス|かす[がや]|クズ|くず|ゴミ|ごみ[がや]|ボケ|アホ|あほ|"
    r"バカ|ばか|馬鹿|キチガイ|きちがい|基地外|ガイジ|池沼|知恵遅れ|キモ|きも[いっ]|ウザ|うざ|消えろ|失せろ|黙れ|出て[いけ]け|"
    r"チョン|シナ|支那|土人|ジャップ|チョッパリ|在日|朝鮮|ニガー|ゴキブリ|ブス|ぶす|ブサイク|デブ|ハゲ|はげ|チビ|"
    r"クソ|糞|うんこ|ウンコ|まんこ|マンコ|ちんこ|チンコ|ちんぽ|チンポ|レイプ|犯す|犯せ|オカマ|ホモ|レズ|障害者|"
    r"ネトウヨ|パヨ|ブサヨ|ざまあ|ザマア|低能|無能|劣等|下等|害虫|寄生虫|老害|ババア|ばばあ|ジジイ|じじい|てめ|貴様|"
    r"ぶち殺|処分しろ|駆除|乞食|畜生|ヒトモドキ|エロ|セックス|風俗|ソープ|童貞|処女|おっぱい|巨乳|貧乳"
)
JAPANESE = re.compile(r"[\u3041-\u309f\u30a0-\u30ff\u4e00-\u9fff\uff66-\uff9f]")
HIRAGANA = re.compile(r"[\u3041-\u309f]")

# Our own annotation of the harassment rows (ids only). person: aimed at a person or people (second person, a
# named or pointed person, a group of people); other: at no person (a country, a religion as such, an
# institution); exclude: the publisher's label looks doubtful to us, so the row is left out.
OPEN2CH_TARGETS = {
    "person": """
    c535f5613 69d0d4458 604fad2a9 40284c19a cdd6b4a53 902d660fa 185ba45a8 81f6efee3 9266d8c5b db1ff71d3
    13641732c e6f5524c5 6860f6c3e 06176369e c068af6a8 6d7473f0a f48c63ef9 19b0fd462 8716284bd 23a60ef25
    22cb57ba4 c1b4cb7fa eb0cfa5d6 b7c335cb0 d9c1843a8 824c373b7 13fb146eb 33dfa07b0 cd3bd0a36 c4cc2f9a3
    2023c2f03 940c9004e 7d6919a2d a211137a1 1b2a9d8e8 b4e72c675 96efe3b59 687f4d960 fbb8bba0f 0da1937d7
    3f700351a 3b6db32b6 99324b247 e425fc190 fb15f52f7 21534d0ea 74eb920a1 fdfab846c af1783833 dd77cfa39
    7bc80d726 9859c3a77 0432f126e c90086574 9ba826673 d37f22ad8 e4223271e 8258c86b9 0327f0b19 4eb19b5b3
    4f8d6f7ca 7ba1f3478 68883a665 ae5aabbfd d16afa987 48d98e051 5eef9d24e 73ab69b4e 42f52db9f 5268585a5
    eac72ec36 e99a9011c dc076b65f 425d1925d cdb8776a9 a0b3ade17 afd9f7cf8 749c0d684 1b3a4317c 654922b53
    6ff97da00 8512413ff e94317309 95b1ea697 5b9983b18 fcc528437 8878cffda dc84d0377 20ef090ca 3abfe73a8
    c9b3316c9 7a160003d b4af90969 294e5776e d51a2d7e2 cf67f6b7d 626371a41 151fbb165 d107042dd 67fc4b1bb
    dfd254fbc 4c1fdb800 8eb3cfb69 d2318f38c fba748ef7 999c37de7 8dc1f56a0 850428cc6 c669ced0f d0f9b3755
    f9906feff 0ebb6ea72 52020f3f4 7358b24eb b81605d04 f7fd8a61d faeb2cc10 5ceb823a8 baeb1c25c 1648bf2a6
    ab9c98cd0 de2131423 81cff8ea9 5dca03d9e 420a0272a 2ffdda227 32ed68c8b 560416a50 cb7c59271 52543bdf8
    20003b713 c395f161a 8fe692a56 d8c5dc7e8 297dd2235 9c579acb0 93106ece5 2ab5c8caf 99b6d96a0 0a752a739
    d265550c2 c3bfea53f d21da876c 8446701a1 e36119f9c 40a10a3fe a7bd5e458 e3f6edc53 50e9f271a 09f0d9cdf
    c99dd8c1d 8dd824d0e 0be5b44f1 34ffa7fd3 f58080f72 92f1770a8 87f027fef 22e68ad21 1b1942d44 1bcb298fc
    e9e4e3f59 ef0ef248e 84e28277f 6430b42fd 6bab87cd7 85e468bb4 ddacfeb8a 7b7deac78 bfe31852b 896f70ce6
    05ee54b30 5fa81a2e9 c235df1b8 8157e9400 733cd8259 150b3aa36 c92e09b67 05c6d2504 7c4da73fc ff2587b24
    28a8015d9 45e464ca8 f21ebfa2d bf49808d3 f66b73e78 74c692091 7dd41ab50 52624628f bc1686f11 373b648e7
    612b8563a 76e64a693 57f3a098a 7ab556e94 ef20d9e0c 2e450215b 1361c5597 7df210083 8ddbdbefb 27539d926
    f41cb2502 e4c7c3e97 19ffcb94c 41668a3aa 1f553982e 453af224c 133b362a9 b3e7c8013 c6d5dd812 2a613e89a
    c40e93c66 c41e8c1d4 4a4329f96 97d6d7dfd bff1d082d 4bc4cd44b 7df4439b0 9dead731e 11e29525b d1e4c01fb
    a3851bfac a9e7cf518 b66910aa0 2f1961160 e099d5cde 5f97b5f22 284e57c49 bd3022a8a cdbf9e020 f534b694c
    e035c11dc 67b1493b7 f1a7e897f 38fd2b193 5d9f32375 5c5f6095d 350d78a3c e2268d6ef bdd7cfaa9 cb53e5edb
    ebac9fc25 d539af973 05d4a700b cba823f7c 44fad80aa 8e5c53840 d2c5a9ec6 80c6e7c07 47bd0397d 358c57df5
    d2b5bac75 6712aa116 ff1c14b35 71077a1af 98b2c1ba1 6054e8a73 ec7e99bd5 021d50f20 3ef3288a6 f465b1337
    28fb4b9a1 0c83b8f96 a04b3b286 f41bc1c37 0d86fa43c 48ab007e0 edd3e319e 0d81108b8 c26f275ff 12eee3315
    212f7c7c3 8ca60ed7a 1e0bfaef9 c1a8a4352 722a6ce90 f2b91dd65 8b7c03e59 2f5cb542c 416eeed51 ea796be5a
    6944a9117 2acd5808b a0464deda a6bf4b670 4095bef80
    """,
    "other": "4b6452c69 3549392e9 58a329624 b3ea05bf1 ce9dda3b6 6ad771ffe 2f2824c28",
    "exclude": "544b7e23c 0cabe8d7d 4b0c5bf24 4147d17cd 958508fbb a383c513b 6d7d9ad05 b40787c96 1c945b582",
}
# The same annotation for the 26 harassment rows of ../shared/realtext/inspection_ai.tsv (ids insp-N), written
# as realtext-targets/inspection_ai.tsv (id, target) since that file is not ours to rewrite.
INSPECTION_TARGETS = {
    "person": "39 40 60 128 149 156 171 189 238 269 367 376 406 425 691 760 798 807 844 879 882 907 975 990",
    "other": "427 759",
}


class Failure(Exception):
    """A one-line reason the corpora cannot be rebuilt."""


def targets_of(table: dict[str, str]) -> dict[str, str]:
    return {key: target for target, keys in table.items() for key in keys.split()}


@dataclass(frozen=True)
class Row:
    id: str
    harassment: bool
    text: str
    source_category: str
    source: str
    target: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.id, "warning" if self.harassment else "none", "", self.text, self.source_category, self.source,
                self.target)


class Mirror:
    """One fetched repository, read at a pinned commit."""

    def __init__(self, root: Path, repo: str, commit: str) -> None:
        self.repo, self.commit = repo, commit
        base = root / repo.replace("/", "+")
        found = [p for p in (base / "repo", base, base.with_name(base.name + ".git")) if (p / "HEAD").is_file()]
        if not found:
            raise Failure(f"no mirror of {repo} under {root}: run the search tool's fetch on github:{repo}")
        self.git_dir = found[0]
        if self._git("cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode != 0:
            raise Failure(f"the mirror {self.git_dir} lacks commit {commit}: fetch github:{repo} again")

    def _git(self, *args: str, data: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(["git", f"--git-dir={self.git_dir}", *args], input=data, capture_output=True)
        if check and done.returncode != 0:
            raise Failure(f"git {' '.join(args)} in {self.git_dir}: {done.stderr.decode(errors='replace').strip()}")
        return done

    def where(self, path: str) -> str:
        return f"{self.repo}@{self.commit[:7]}:{path}"

    def files(self, prefix: str) -> list[str]:
        out = self._git("ls-tree", "-r", "--name-only", self.commit, "--", prefix).stdout.decode()
        return sorted(out.split())

    def read(self, path: str) -> str:
        return self._git("show", f"{self.commit}:{path}").stdout.decode("utf-8")

    def read_many(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        paths = list(paths)
        out = self._git("cat-file", "--batch", data="".join(f"{self.commit}:{p}\n" for p in paths).encode()).stdout
        pos = 0
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) != 3:
                raise Failure(f"{self.where(path)}: missing from the mirror (a large file left out of the snapshot?)")
            size = int(header[2])
            yield path, out[end + 1 : end + 1 + size].decode("utf-8")
            pos = end + 1 + size + 1


def usable(text: str) -> str | None:
    """The utterance as it goes into a file, or None: one line, no tabs, MIN_CHARS to MAX_CHARS characters."""
    text = text.strip()
    if any(c in text for c in "\t\r\n") or not MIN_CHARS <= len(text) <= MAX_CHARS:
        return None
    return text


def one_line(text: str) -> str:
    """Lines of one message joined: directly after sentence-final punctuation, else with a space."""
    out = ""
    for line in (part.strip() for part in text.splitlines()):
        if line:
            out += line if not out or out[-1] in "。．！？!?…」』）)" else " " + line
    return out


def polite(text: str) -> bool:
    return bool(POLITE.search(text))


def rng_for(name: str) -> random.Random:
    return random.Random(SEED * 1_000_003 + zlib.crc32(name.encode()))


def sample(rows: list[Row], n: int, rng: random.Random) -> list[Row]:
    rows = sorted(rows, key=lambda r: r.id)
    return rows if len(rows) <= n else rng.sample(rows, n)


def unique(rows: Iterable[Row]) -> list[Row]:
    """First row of each text, in id order."""
    seen: set[str] = set()
    out = []
    for row in sorted(rows, key=lambda r: r.id):
        if row.text not in seen:
            seen.add(row.text)
            out.append(row)
    return out


def plain_weighted(name: str, rows: list[Row], total: int, plain: int) -> list[Row]:
    """Up to `plain` plain-form rows, then polite rows up to `total`."""
    rng = rng_for(name)
    rows = unique(rows)
    chosen = sample([r for r in rows if not polite(r.text)], plain, rng)
    chosen += sample([r for r in rows if polite(r.text)], total - len(chosen), rng)
    return chosen


def daily_dialogue(root: Path) -> list[Row]:
    """Japanese Daily Dialogue: everyday conversations written by people, five topics."""
    mirror = Mirror(root, *JDD)
    rows = []
    for path, body in mirror.read_many(mirror.files("data/")):
        if not path.endswith(".json"):
            continue
        for dialogue in json.loads(body):
            for turn in dialogue["utterances"]:
                text = usable(turn["utterance"])
                if text:
                    key = f"jdd-t{dialogue['topic_id']}-d{dialogue['dialogue_id']:04d}-u{turn['turn_num']:02d}"
                    rows.append(Row(key, False, text, dialogue["topic_name"].lower(), mirror.where(path)))
    return plain_weighted("jdd", rows, 1500, 900)


def real_persona_chat(root: Path) -> list[Row]:
    """RealPersonaChat: text chats between two real people about themselves."""
    return plain_weighted("rpc", real_persona_chat_all(root), 1500, 1000)


def real_persona_chat_all(root: Path) -> list[Row]:
    """Every usable utterance of RealPersonaChat's human-human chats."""
    mirror = Mirror(root, *RPC)
    rows = []
    for _path, body in mirror.read_many(mirror.files("real_persona_chat/dialogues/")):
        dialogue = json.loads(body)
        for turn in dialogue["utterances"]:
            text = usable(turn["text"])
            if text:
                key = f"rpc-{dialogue['dialogue_id']:05d}-{turn['utterance_id']:02d}"
                rows.append(Row(key, False, text, "chit_chat", mirror.where("real_persona_chat/dialogues/*.json")))
    return rows


def rpc_training(root: Path) -> list[Row]:
    """The judge model's real negatives: RealPersonaChat utterances from dialogues the measurement sample
    (``rpc.tsv``) does not touch, 2,000 plain and 1,000 polite. CC BY-SA 4.0, so this file may be committed
    (tests/data/real/); the model trained on it is shared alike (docs/judge-model.md)."""
    rows = unique(real_persona_chat_all(root))
    measured = real_persona_chat(root)
    held = {r.id.rsplit("-", 1)[0] for r in measured}
    texts = {r.text for r in measured}
    pool = [r for r in rows if r.id.rsplit("-", 1)[0] not in held and r.text not in texts]
    rng = rng_for("rpc-training")
    chosen = sample([r for r in pool if not polite(r.text)], 2000, rng)
    return chosen + sample([r for r in pool if polite(r.text)], 1000, rng)


def accommodation_search(root: Path) -> list[Row]:
    """ASDC: what customers of a (role-played) accommodation desk wrote to its operator."""
    mirror = Mirror(root, *ASDC)
    rows = []
    for _path, body in mirror.read_many(mirror.files("data/main/dialog/json/")):
        for turn in json.loads(body)["utterances"]:
            text = usable(one_line(turn["text"]))
            if text and turn["name"].startswith("customer"):
                rows.append(Row(f"asdc-{turn['id']['id']}", False, text, "customer_chat",
                                mirror.where("data/main/dialog/json/*.json")))
    for path in mirror.files("data/vanilla/"):
        if not path.startswith(("data/vanilla/question.", "data/vanilla/situation.", "data/vanilla/topic.")):
            continue  # travel.*: noun phrases answering a survey, not utterances
        for line in mirror.read(path).splitlines():
            doc = json.loads(line)
            for index, turn in enumerate(doc["utterances"]):
                text = usable(one_line(turn["text"]))
                if text and turn["name"] == "user":
                    rows.append(Row(f"asdc-{doc['docid']['id']}.{index}", False, text, "customer_request",
                                    mirror.where(path)))
    return plain_weighted("asdc", rows, 1500, 600)


def japanese_enough(line: str) -> bool:
    letters = [c for c in line if not c.isspace()]
    return bool(HIRAGANA.search(line)) and len(JAPANESE.findall(line)) >= 0.6 * len(letters)


def open2ch_hate(root: Path) -> list[Row]:
    """Nishika hate-speech data: open2ch posts labelled hate speech (1) or not (0) by the publisher.

    Harassment rows: every post labelled 1 that fits on a line of MAX_CHARS (its lines joined), less the ones we
    judged doubtful. Ok rows: one line from each of 1,200 posts labelled 0, drawn with the seed from posts none of
    whose lines uses an abusive word (ABUSE), lines that are mostly Japanese, no quote, anchor or link.
    """
    mirror = Mirror(root, *OPEN2CH)
    source = mirror.where("input/train.csv")
    targets = targets_of(OPEN2CH_TARGETS)
    harass: list[Row] = []
    ok_posts: list[tuple[str, str, list[tuple[int, str]]]] = []
    for post in csv.DictReader(io.StringIO(mirror.read("input/train.csv"), newline="")):
        key, board = f"o2-{post['id']}", post["source"]
        if post["label"] == "1":
            text = usable(one_line(post["text"]))
            if text is None:
                continue
            if post["id"] not in targets:
                raise Failure(f"{source}: harassment row {post['id']} has no target annotation in {__file__}")
            if targets[post["id"]] != "exclude":
                harass.append(Row(key, True, text, f"hate_speech:{board}", source, targets[post["id"]]))
            continue
        lines = [line.strip() for line in post["text"].splitlines()]
        if post["label"] != "0" or any(ABUSE.search(line) for line in lines):
            continue
        fit = [(number, text) for number, text in ((n, usable(line)) for n, line in enumerate(lines, start=1))
               if text and japanese_enough(text) and not re.search(r"^[>＞]|[>＞]{2}|https?:|ttps?:", text)]
        if fit:
            ok_posts.append((key, board, fit))
    rng = rng_for("open2ch_hate")
    ok_posts.sort()
    rng.shuffle(ok_posts)
    ok: list[Row] = []
    seen: set[str] = set()
    for key, board, fit in ok_posts:
        number, text = rng.choice(fit)
        if text not in seen:
            seen.add(text)
            ok.append(Row(f"{key}-l{number}", False, text, f"not_hate_speech:{board}", source))
        if len(ok) == 1200:
            break
    return harass + ok


CORPORA = {
    "jdd": daily_dialogue,
    "rpc": real_persona_chat,
    "asdc": accommodation_search,
    "open2ch_hate": open2ch_hate,
}


def write(path: Path, rows: list[Row]) -> None:
    """Tab-separated, no quoting (texts have no tab or line break): what `kasuhara-live eval` reads."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(HEADER) + "\n")
        fh.writelines("\t".join(row.cells()) + "\n" for row in sorted(rows, key=lambda r: r.id))


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out", nargs="?", type=Path, default=repo.parent / "realdata", help="output directory")
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"), help="where fetch put the mirrors")
    parser.add_argument("--only", choices=sorted(CORPORA), action="append", help="rebuild just this corpus")
    parser.add_argument("--training", action="store_true", help="write the model's real negatives instead, "
                        "tests/data/real/rpc_train.tsv (RealPersonaChat, CC BY-SA 4.0)")
    args = parser.parse_args(argv)
    if args.training:
        try:
            rows = sorted(rpc_training(args.mirror), key=lambda r: r.id)
        except (Failure, OSError, ValueError, KeyError) as exc:
            print(f"real_corpora: {exc}", file=sys.stderr)
            return 1
        out = repo / "tests" / "data" / "real" / "rpc_train.tsv"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as fh:
            fh.write("id\tlevel\tcategory\ttext\n")
            fh.writelines(f"{r.id}\tnone\tnone\t{r.text}\n" for r in rows)
        print(f"{out}: {len(rows)} rows")
        return 0
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for name in args.only or CORPORA:
            rows = CORPORA[name](args.mirror)
            write(args.out / f"{name}.tsv", rows)
            ok = [r for r in rows if not r.harassment]
            plain = sum(not polite(r.text) for r in ok)
            harass = [r for r in rows if r.harassment]
            person = sum(r.target == "person" for r in harass)
            print(f"{args.out / name}.tsv: {len(rows)} rows: ok {len(ok)} (plain {plain}, polite {len(ok) - plain}),"
                  f" harassment {len(harass)} (aimed at a person {person})")
        if not args.only:
            (args.out / "realtext-targets").mkdir(exist_ok=True)  # a folder: not read as a corpus by *.tsv globs
            with (args.out / "realtext-targets" / "inspection_ai.tsv").open("w", encoding="utf-8", newline="") as fh:
                fh.write("id\ttarget\n")
                fh.writelines(f"insp-{key}\t{target}\n"
                              for key, target in sorted(targets_of(INSPECTION_TARGETS).items(), key=lambda kv:
                                                        int(kv[0])))
    except (Failure, OSError, ValueError, KeyError) as exc:
        print(f"real_corpora: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
