"""The users file: strict validation, token hashing, add-user and the `hub` command's set-up errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kasuhara_live.errors import ConfigError
from kasuhara_live.hub.users import Role, add_user, hash_token, load_users, new_token
from tests.conftest import REPO

HASH_A = hash_token("token-a")
HASH_B = hash_token("token-b")
HASH_C = hash_token("token-c")

GOOD = f"""
[[user]]
name = "sato"
role = "agent"
token_sha256 = "{HASH_A}"

[[user]]
name = "seat-12"
role = "monitor"
agent = "sato"
token_sha256 = "{HASH_B}"

[[user]]
name = "boss"
role = "supervisor"
token_sha256 = "{HASH_C}"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "users.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads_and_tokens_authenticate(tmp_path: Path) -> None:
    users = load_users(write(tmp_path, GOOD))
    assert len(users) == 3 and users.by_name["seat-12"].agent == "sato"
    monitor = users.authenticate("token-b")
    assert monitor is not None and monitor.name == "seat-12" and monitor.role is Role.MONITOR
    assert users.authenticate("token-c") == users.by_name["boss"]
    assert users.authenticate("token-") is None and users.authenticate("") is None
    assert users.authenticate("\udcff") is None  # a lone surrogate must not crash the hash


def user(name: str, role: str, token_hash: str = HASH_A, extra: str = "") -> str:
    return f'[[user]]\nname = "{name}"\nrole = "{role}"\ntoken_sha256 = "{token_hash}"\n{extra}\n'


@pytest.mark.parametrize(("text", "expected"), [
    (user("sato", "agent", extra='email = "x"'), "user 'sato': unknown key 'email'"),
    (user("sato", "boss"),
     "user 'sato': role = 'boss' is not allowed: expected one of monitor, ingest, agent, supervisor"),
    (user("sato", "agent") + user("sato", "agent", HASH_B), "user 'sato': duplicate name"),
    (user("sato", "agent", "XYZ"), "user 'sato': token_sha256 must be 64 lowercase hex digits"),
    (user("sato", "agent", HASH_A.upper()), "user 'sato': token_sha256 must be 64 lowercase hex digits"),
    (user("seat", "monitor"), "user 'seat': a monitor needs agent"),
    (user("boss", "supervisor") + user("seat", "monitor", HASH_B, 'agent = "boss"'),
     "user 'seat': agent = 'boss' is a supervisor, not an agent"),
    (user("seat", "monitor", extra='agent = "ghost"'), "user 'seat': agent = 'ghost' is not a user in this file"),
    (user("sato", "agent", extra='agent = "sato"'), "user 'sato': key 'agent' is only for monitors"),
    (user("sato", "agent") + user("suzuki", "agent"), "user 'suzuki': token_sha256 is the same as user 'sato'"),
    (user("sa to", "agent"), "user 'sa to': name must be"),
    ('[[user]]\nname = "sato"\nrole = "agent"\n', "user 'sato': missing key 'token_sha256'"),
    ('[[user]]\nname = 5\nrole = "agent"\ntoken_sha256 = "x"\n', "user #1: name = 5 is not allowed"),
    ('[[users]]\nname = "x"\n', "unknown key 'users' in the users file"),
    ('user = "x"\n', "must be an array of tables"),
    ("[[user]\n", "is not valid TOML"),
])
def test_invalid_files_are_one_line_errors_naming_user_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_users(path)
    message = str(info.value)
    assert expected in message and "\n" not in message and str(path) in message


def test_a_missing_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"users file not found: .*hub add-user"):
        load_users(tmp_path / "nope.toml")


def test_tokens_are_random_and_hashes_are_sha256() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) == 32 for t in tokens)
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_add_user_creates_a_private_file_and_keeps_only_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    agent_token = add_user(path, "sato", "agent")
    monitor_token = add_user(path, "seat-1", "monitor", agent="sato")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert agent_token not in text and monitor_token not in text and hash_token(agent_token) in text
    users = load_users(path)
    assert users.authenticate(monitor_token) == users.by_name["seat-1"]
    assert users.by_name["seat-1"].agent == "sato"


@pytest.mark.parametrize(("name", "role", "agent", "expected"), [
    ("sato", "agent", "", "duplicate name"),
    ("seat-1", "monitor", "", "a monitor needs agent"),
    ("seat-1", "monitor", "ghost", "'ghost' is not a user"),
    ("x", "boss", "", "role = 'boss' is not allowed"),
])
def test_add_user_refuses_bad_users_and_leaves_the_file_alone(tmp_path: Path, name: str, role: str, agent: str,
                                                              expected: str) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "sato", "agent")
    before = path.read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match=expected):
        add_user(path, name, role, agent)
    assert path.read_text(encoding="utf-8") == before


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "kasuhara_live", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60)


def test_cli_hub_without_users_file_is_a_one_line_error(tmp_path: Path) -> None:
    proc = run_cli("hub", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("kasuhara-live: error: hub.users_file is not set: create users with "
                           "`kasuhara-live hub add-user")


def test_cli_add_user_prints_only_the_token_on_stdout(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[hub]\nusers_file = "users.toml"\n', encoding="utf-8")
    proc = run_cli("hub", "add-user", "boss", "--role", "supervisor", "--config", str(site), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    token = proc.stdout.strip()
    # The new file goes beside the site config that names it.
    users = load_users(tmp_path / "users.toml")
    assert users.authenticate(token) == users.by_name["boss"] and "shown only this once" in proc.stderr
