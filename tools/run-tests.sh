#!/usr/bin/env bash
# Install esi-leap and its test requirements into ./.venv (created if
# missing) and run every test: unit, functional (SQLite, PostgreSQL,
# MariaDB) and integration (real processes, the real CLI, a real Open
# vSwitch driven over SSH). Tests that need
# a missing peer skip outside CI and fail when CI=true.
# Extra arguments go to pytest (e.g. tests/unit, -k name, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/venv.sh
ensure_venv test
# Open vSwitch, sshd, ping, tcpdump, shellcheck and Chromium (root + apt).
./tools/install-lab-packages.sh \
    || echo "Could not install the test packages (switch lab, shellcheck," \
            "Chromium); their tests skip (or fail when CI=true)." >&2
# fake-switches 1.5.0 (vendor switch CLIs over SSH) in ./.venv-switches.
./tools/install-switch-emulator.sh \
    || echo "Could not install the switch emulator; its tests skip" \
            "(or fail when CI=true)." >&2
status=0
"$VENV/bin/python" -m pytest -p no:cacheprovider -q "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "No tests were collected." >&2
fi
exit "$status"
