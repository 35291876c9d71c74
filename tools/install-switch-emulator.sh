#!/usr/bin/env bash
# Install the fake-switches 1.5.0 switch emulator (Cisco IOS, Dell,
# Brocade, Arista CLIs over SSH) into ./.venv-switches, used by
# tests/integration/emulators. Its own venv because fake-switches pins
# Twisted<17, which does not build on Python 3.11: the dependencies are
# installed with a Twisted that does, then fake-switches without its pins.
# Quiet and idempotent; exits non-zero only when an install was tried and
# failed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${ESI_LEAP_SWITCH_VENV:-$PWD/.venv-switches}"
DEPENDENCIES=("twisted[conch]==26.10.0" "tftpy==0.8.7" netaddr lxml)
EMULATOR="fake-switches==1.5.0"
STAMP="$VENV/.installed-fake-switches-1.5.0"

if [ -f "$STAMP" ] && "$VENV/bin/python" -c "import fake_switches" \
        >/dev/null 2>&1; then
    exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
pip() {
    "$VENV/bin/python" -m pip --quiet --disable-pip-version-check \
        --no-input "$@" >>"$LOG" 2>&1
}
# pip's output is shown only when the install fails.
if ! { pip install "${DEPENDENCIES[@]}" \
        && pip install --no-deps "$EMULATOR" \
        && "$VENV/bin/python" -c "import fake_switches, twisted.conch.ssh" \
            >>"$LOG" 2>&1; }; then
    cat "$LOG" >&2
    echo "install-switch-emulator: installing $EMULATOR into $VENV" \
         "failed" >&2
    exit 1
fi
touch "$STAMP"
