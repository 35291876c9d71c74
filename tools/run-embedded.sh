#!/usr/bin/env bash
# Install esi-leap into ./.venv (created if missing) and start the embedded
# default: SQLite, in-process manager, demo nodes, local HTTP basic auth.
# Extra arguments go to `esi-leap`.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/venv.sh
ensure_venv
exec "$VENV/bin/esi-leap" "$@"
