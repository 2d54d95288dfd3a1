"""A private PulseAudio for tests: null sinks stand in for a headset and a softphone, PortAudio sees them.

The monitor captures through sounddevice → PortAudio → ALSA; ALSA's pulse plugin (libasound2-plugins)
reaches this daemon.  Nothing of the machine's own sound setup is used or touched:

- the daemon runs as a plain user daemon (``-n``: no default modules) with its own runtime, state and
  home directory in a temporary directory, and one unix socket there (anonymous auth), so it works without
  a desktop session, as root or not, next to a desktop's own PulseAudio;
- null sinks: ``headset`` (stereo: agent left, customer right) for the headset form, ``agent`` and
  ``caller`` (mono) for the two-device form; what is played into a sink comes out of its ``.monitor``;
- an ALSA config (``ALSA_CONFIG_PATH`` = the system's alsa.conf + ours) names one PCM per monitor source,
  which PortAudio lists as an input device: ``kasuhara_test_headset`` and so on;
- clients find the daemon through ``PULSE_SERVER`` and a client.conf without autospawn, so a client whose
  daemon was killed (the lost-device test) reports the loss instead of starting a new daemon.

Run it by hand to try the monitor against it:  ``python -m tests.pulse_env``  prints the environment to
export and the device names, and keeps the daemon until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TOOLS = ("pulseaudio", "pactl", "paplay")
SYSTEM_ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
SINKS = {"headset": 2, "agent": 1, "caller": 1}  # name → channels
RATE = 16_000  # the monitor's rate: nothing is resampled between the sample, the sink and the capture


def missing_tools() -> list[str]:
    """The PulseAudio programs this environment needs that are not installed (scripts/setup.sh installs them)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def device(sink: str) -> str:
    """The PortAudio input device that captures what is played into ``sink``."""
    return f"kasuhara_test_{sink}"


@dataclass
class PulseEnv:
    """A running private PulseAudio; ``env``: what a client process (monitor, paplay) needs to use it."""

    root: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]

    def play(self, sink: str, audio: Path) -> subprocess.Popen[bytes]:
        """Start playing ``audio`` into ``sink`` (as a softphone or a headset's microphone would)."""
        return subprocess.Popen(["paplay", f"--device={sink}", "--client-name=kasuhara-test", str(audio)],
                                env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill(self) -> None:
        """The sound server dies (SIGKILL, as in a crash): every capture stream loses its device at once."""
        self.process.kill()
        self.process.wait(timeout=10)

    def freeze(self) -> None:
        """The sound server hangs (SIGSTOP): capture streams stay open but no audio comes, and PortAudio's
        stop and close block on them; teardown lets it go on (SIGCONT) before stopping it."""
        self.process.send_signal(signal.SIGSTOP)

    def log(self) -> str:
        return (self.root / "pulseaudio.log").read_text(errors="replace")[-2000:]


def _write_config(root: Path) -> dict[str, str]:
    """The daemon's startup script, the clients' config and the ALSA PCMs; the client environment."""
    socket = root / "native"
    script = [f"load-module module-native-protocol-unix socket={socket} auth-anonymous=1"]
    script += [f"load-module module-null-sink sink_name={name} channels={channels} rate={RATE}"
               for name, channels in SINKS.items()]
    (root / "default.pa").write_text("\n".join(script) + "\n")
    (root / "client.conf").write_text(f"default-server = unix:{socket}\nautospawn = no\n")
    (root / "asoundrc").write_text("".join(f'pcm.{device(name)} {{ type pulse; device "{name}.monitor" }}\n'
                                           for name in SINKS))
    for sub in ("home", "run", "state"):
        (root / sub).mkdir(mode=0o700)
    return {
        **os.environ,
        "HOME": str(root / "home"), "XDG_RUNTIME_DIR": str(root / "run"), "XDG_CONFIG_HOME": str(root / "home"),
        "PULSE_RUNTIME_PATH": str(root / "run"), "PULSE_STATE_PATH": str(root / "state"),
        "PULSE_SERVER": f"unix:{socket}", "PULSE_CLIENTCONFIG": str(root / "client.conf"),
        "ALSA_CONFIG_PATH": f"{SYSTEM_ALSA_CONF}:{root / 'asoundrc'}",
    }


def _client_env(daemon_env: dict[str, str]) -> dict[str, str]:
    # Clients keep their own HOME (the monitor finds its model and config as usual); only the sound setup is ours.
    keep = ("HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME")
    return {**daemon_env, **{key: os.environ[key] for key in keep if key in os.environ}}


def _wait_ready(env: PulseEnv, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    wanted = {f"{name}.monitor" for name in SINKS}
    while time.monotonic() < deadline:
        if env.process.poll() is not None:
            break
        listed = subprocess.run(["pactl", "list", "short", "sources"], env=env.env, capture_output=True, text=True)
        if wanted <= {line.split("\t")[1] for line in listed.stdout.splitlines() if "\t" in line}:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the test PulseAudio did not come up within {timeout:g} s; its log:\n{env.log()}")


@contextlib.contextmanager
def pulse_env(timeout: float = 15.0) -> Iterator[PulseEnv]:
    """Start a private PulseAudio with the test sinks; stop it and remove its files afterwards."""
    if not SYSTEM_ALSA_CONF.exists():
        raise RuntimeError(f"{SYSTEM_ALSA_CONF} is missing: install libasound2 (ALSA) for PortAudio")
    # Not pytest's tmp_path: a unix socket path must stay under ~100 bytes.
    root = Path(tempfile.mkdtemp(prefix="kl-pulse-"))
    daemon_env = _write_config(root)
    with open(root / "pulseaudio.log", "wb") as log:
        process = subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(root / "default.pa"), "--daemonize=no", "--exit-idle-time=-1",
             "--use-pid-file=no", "--log-target=stderr", "--log-level=notice"],
            env=daemon_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    env = PulseEnv(root, process, _client_env(daemon_env))
    try:
        _wait_ready(env, timeout)
        yield env
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)  # a frozen daemon would not act on SIGTERM
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    """Keep a test PulseAudio running for trying the monitor by hand."""
    if missing := missing_tools():
        raise SystemExit(f"missing {', '.join(missing)}: run scripts/setup.sh")
    with pulse_env() as env:
        for key in ("PULSE_SERVER", "PULSE_CLIENTCONFIG", "ALSA_CONFIG_PATH"):
            print(f"export {key}={env.env[key]}")
        print(f"# devices: {', '.join(device(name) for name in SINKS)}; play with: paplay --device=headset FILE")
        with contextlib.suppress(KeyboardInterrupt):
            env.process.wait()


if __name__ == "__main__":
    main()
