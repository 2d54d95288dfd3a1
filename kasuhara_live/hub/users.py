"""The users file: who may connect to the hub, in which role, and the sha256 of their token.

Tokens are never stored: ``kasuhara-live hub add-user`` prints a new token once and keeps only its hash.
The file is TOML, one ``[[user]]`` table per user::

    [[user]]
    name = "sato"
    role = "agent"
    token_sha256 = "9f86d0…"

    [[user]]
    name = "callserver-1"
    role = "ingest"           # a call server: names the agent of each call it publishes
    token_sha256 = "2c26b4…"

    [[user]]
    name = "seat-12"
    role = "monitor"
    agent = "sato"            # a monitor publishes the calls of this agent user
    token_sha256 = "60303a…"
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from kasuhara_live.config import read_toml
from kasuhara_live.errors import ConfigError


class Role(StrEnum):
    """What a connection may do: publish a seat's calls, publish the calls of many agents (a call server), see
    one's own calls, or see every call."""

    MONITOR = "monitor"
    INGEST = "ingest"
    AGENT = "agent"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class User:
    """One user of the hub; ``agent`` is set for monitors only (whose calls they publish)."""

    name: str
    role: Role
    token_sha256: str
    agent: str = ""
    team: str = ""  # optional: the team an agent belongs to (trend reports group by it)


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEYS = ("name", "role", "token_sha256", "agent", "team")
_ROLES = ", ".join(role.value for role in Role)


def new_token() -> str:
    """A fresh random token (32 URL-safe characters, 192 bits)."""
    return secrets.token_urlsafe(24)


def hash_token(token: str) -> str:
    """The hex sha256 of a token, as the users file stores it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Users:
    """The validated users of one hub."""

    def __init__(self, users: list[User]) -> None:
        self.by_name: dict[str, User] = {}
        for user in users:
            _check_user(user, self.by_name)
            self.by_name[user.name] = user
        hashes: dict[str, str] = {}
        for user in users:
            _check_agent_link(user, self.by_name)
            if user.token_sha256 in hashes:
                other = hashes[user.token_sha256]
                raise ConfigError(f"user {user.name!r}: token_sha256 is the same as user {other!r}'s: give each user "
                                  "their own token")
            hashes[user.token_sha256] = user.name
        # Digests, so authentication compares fixed-length bytes whatever the token's length.
        self._digests = [(bytes.fromhex(user.token_sha256), user) for user in users]

    def __len__(self) -> int:
        return len(self.by_name)

    def authenticate(self, token: str) -> User | None:
        """The user holding ``token``, or None; compares against every user in constant time."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        found: User | None = None
        for expected, user in self._digests:
            # No early exit: the time taken does not reveal which (or whether a) user matched.
            if hmac.compare_digest(digest, expected):
                found = user
        return found


def _check_user(user: User, seen: dict[str, User]) -> None:
    where = f"user {user.name!r}"
    if not _NAME.fullmatch(user.name):
        raise ConfigError(f"{where}: name must be 1-64 characters of letters, digits, '.', '_', '@' or '-', "
                          "starting with a letter or digit")
    if user.name in seen:
        raise ConfigError(f"{where}: duplicate name: every [[user]] needs its own name")
    if not _HEX64.fullmatch(user.token_sha256):
        raise ConfigError(f"{where}: token_sha256 must be 64 lowercase hex digits (sha256 of the token); "
                          "create users with `kasuhara-live hub add-user`")
    if user.role is Role.MONITOR and not user.agent:
        raise ConfigError(f"{where}: a monitor needs agent = \"<agent user>\" (whose calls it publishes)")
    if user.role is not Role.MONITOR and user.agent:
        raise ConfigError(f"{where}: key 'agent' is only for monitors, not for a {user.role.value}")


def _check_agent_link(user: User, by_name: dict[str, User]) -> None:
    if user.role is not Role.MONITOR:
        return
    target = by_name.get(user.agent)
    if target is None:
        raise ConfigError(f"user {user.name!r}: agent = {user.agent!r} is not a user in this file: add the agent "
                          "user first")
    if target.role is not Role.AGENT:
        raise ConfigError(f"user {user.name!r}: agent = {user.agent!r} is a {target.role.value}, not an agent")


def _user_from_table(index: int, table: Any) -> User:
    if not isinstance(table, dict):
        raise ConfigError(f"user #{index + 1}: expected a [[user]] table")
    name = table.get("name")
    where = f"user {name!r}" if isinstance(name, str) else f"user #{index + 1}"
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown key {key!r}: allowed keys are {', '.join(_KEYS)}")
    for key in ("name", "role", "token_sha256"):
        if key not in table:
            raise ConfigError(f"{where}: missing key {key!r}")
    for key, value in table.items():
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} = {value!r} is not allowed: expected a string")
    try:
        role = Role(table["role"])
    except ValueError:
        raise ConfigError(f"{where}: role = {table['role']!r} is not allowed: expected one of {_ROLES}") from None
    return User(name=table["name"], role=role, token_sha256=table["token_sha256"], agent=table.get("agent", ""),
                team=table.get("team", ""))


def parse_users(data: dict[str, Any]) -> Users:
    """Validate a decoded users file (a mapping with a ``user`` array of tables)."""
    for key in data:
        if key != "user":
            raise ConfigError(f"unknown key {key!r} in the users file: it holds only [[user]] tables")
    tables = data.get("user", [])
    if not isinstance(tables, list):
        raise ConfigError("'user' in the users file must be an array of tables: write [[user]]")
    return Users([_user_from_table(i, table) for i, table in enumerate(tables)])


def load_users(path: Path) -> Users:
    """Load and validate a users file; every problem is a one-line :class:`ConfigError` naming the user."""
    data = read_toml(path, "users file", " (create users with `kasuhara-live hub add-user`)")
    try:
        return parse_users(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def add_user(path: Path, name: str, role: str, agent: str = "", team: str = "") -> str:
    """Append a user to ``path`` (created with mode 0600 if missing) and return their new token.

    The result is validated as a whole before anything is written, so a bad name, role or agent leaves the
    file untouched.
    """
    existing = load_users(path) if path.exists() else Users([])
    token = new_token()
    try:
        user = User(name=name, role=Role(role), token_sha256=hash_token(token), agent=agent, team=team)
    except ValueError:
        raise ConfigError(f"user {name!r}: role = {role!r} is not allowed: expected one of {_ROLES}") from None
    Users([*existing.by_name.values(), user])
    # json.dumps quotes a string the way TOML's basic strings read it.
    lines = ["", "[[user]]", f"name = {json.dumps(name)}", f"role = {json.dumps(user.role.value)}"]
    if agent:
        lines.append(f"agent = {json.dumps(agent)}")
    if team:
        lines.append(f"team = {json.dumps(team)}")
    lines.append(f"token_sha256 = {json.dumps(user.token_sha256)}")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write users file {path}: {exc.strerror}") from None
    return token
