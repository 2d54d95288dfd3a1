"""What ``kasuhara-live hub`` and ``kasuhara-live hub add-user`` do, so the command-line functions stay thin."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import sys
from pathlib import Path

from kasuhara_live.config import Config, HubConfig, resolve_config_file
from kasuhara_live.errors import ConfigError, KasuharaError
from kasuhara_live.hub.lock import hub_lock
from kasuhara_live.hub.server import Hub, serve_forever, tls_from_config
from kasuhara_live.hub.users import Users, add_user, load_users


def _config_relative(cfg: Config, name: str) -> Path:
    """A file a config names: found beside one of the config files, else beside the last one given (the site
    file that most likely named it: where an error message should point, and where a new file goes)."""
    path = resolve_config_file(cfg, name)
    if not path.exists() and not Path(name).expanduser().is_absolute() and cfg.source_files:
        path = Path(cfg.source_files[-1]).parent / name
    return path


def users_file(cfg: Config, override: str | None) -> Path:
    """The users file: ``override`` (a path as typed) or hub.users_file, relative to its config file."""
    if override:
        return Path(override).expanduser()
    if not cfg.hub.users_file:
        raise ConfigError("hub.users_file is not set: create users with `kasuhara-live hub add-user NAME --role "
                          "ROLE --users-file PATH`, then set hub.users_file = \"PATH\" in your site config")
    return _config_relative(cfg, cfg.hub.users_file)


def hub_setup(cfg: Config) -> tuple[HubConfig, Users]:
    """The hub section with TLS paths resolved like other config files, and the validated users."""
    hub = cfg.hub
    if hub.tls_cert or hub.tls_key:
        hub = dataclasses.replace(
            hub,
            tls_cert=str(_config_relative(cfg, hub.tls_cert)) if hub.tls_cert else "",
            tls_key=str(_config_relative(cfg, hub.tls_key)) if hub.tls_key else "",
        )
        tls_from_config(hub)  # fail now, with the config key, rather than after the banner
    users = load_users(users_file(cfg, None))
    if not len(users):
        raise ConfigError("the users file has no users: add some with `kasuhara-live hub add-user`")
    return hub, users


def serve(cfg: Config, *, host: str | None = None, port: int | None = None, store_path: str | None = None) -> None:
    """Run the hub until interrupted, logging connections (never transcript text) to stderr.

    Every accepted event is written to the call store before it is broadcast or acked (``store.path``,
    or ``store_path``; "" keeps nothing); one hub per store (:func:`~kasuhara_live.hub.lock.hub_lock`).
    """
    from kasuhara_live.store.store import CallStore

    hub_cfg, users = hub_setup(cfg)
    path = cfg.store.path if store_path is None else store_path
    hub_cfg = dataclasses.replace(hub_cfg, host=host or hub_cfg.host, port=hub_cfg.port if port is None else port)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.ExitStack() as held:
        store: CallStore | None = None
        if path:
            store_file = Path(path).expanduser()
            held.enter_context(hub_lock(store_file))  # before the store is opened: a second hub stops here
            store = held.enter_context(CallStore(store_file))

        def ready(hub: Hub) -> None:
            kept = f"calls kept in {store.path}" if store else "calls not stored"
            print(f"kasuhara-live hub listening on {hub.url} ({len(users)} users; {kept}); Ctrl-C stops it",
                  file=sys.stderr, flush=True)

        asyncio.run(serve_forever(hub_cfg, users, sink=store, ready=ready, users_file=users_file(cfg, None)))


def add_user_to_config(cfg: Config, name: str, role: str, agent: str, override: str | None,
                       team: str = "", token_file: Path | None = None) -> tuple[Path, str]:
    """Add a user to the configured (or given) users file; returns the file and the new token.

    With ``token_file`` the token is also written there, readable by its owner only (0600): a shell's
    ``> FILE`` would create it readable by everyone. The file must not exist yet (a token is never written over
    another file, nor through a link); it is created before the user is added, so a path that cannot be written
    adds nobody, and removed again if adding fails.
    """
    path = users_file(cfg, override)
    if token_file is None:
        return path, add_user(path, name, role, agent, team)
    fd = _create_token_file(token_file)
    try:
        token = add_user(path, name, role, agent, team)
    except BaseException:
        os.close(fd)
        token_file.unlink(missing_ok=True)
        raise
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    return path, token


def _create_token_file(path: Path) -> int:
    try:
        # O_EXCL: never an existing file, and never through a symbolic link someone else planted there.
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KasuharaError(f"cannot write the token to {path}: it exists already (remove it, or choose "
                            "another file)") from None
    except OSError as exc:
        raise KasuharaError(f"cannot write the token to {path}: {exc.strerror}") from None
