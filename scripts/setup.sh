#!/usr/bin/env bash
# Sets up a fresh machine: system packages, a virtual environment with the project, the embedded model.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}

# System packages: PortAudio for live capture, sox for sample audio and tests; for the headset tests a private
# PulseAudio (null sinks) that PortAudio reaches through ALSA's pulse plugin; SIPp for the SIPREC tests.
need=()
for pkg in libportaudio2 sox pulseaudio pulseaudio-utils libasound2-plugins sip-tester; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev,tools,train]"
.venv/bin/kasuhara-live models install
.venv/bin/python scripts/build_compiled.py
