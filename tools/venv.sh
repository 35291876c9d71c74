# Sourced by the tools: create ./.venv and install esi-leap into it.
VENV="${ESI_LEAP_VENV:-$PWD/.venv}"

ensure_venv() {
    local kind="${1:-run}"
    local stamp="$VENV/.installed-$kind"
    local inputs="setup.cfg requirements.txt test-requirements.txt"
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --upgrade pip
    fi
    # shellcheck disable=SC2086
    if [ -f "$stamp" ] && [ -z "$(find $inputs -newer "$stamp")" ]; then
        return
    fi
    local extra=()
    if [ "$kind" = test ]; then
        extra=(-r test-requirements.txt)
    fi
    "$VENV/bin/pip" install --quiet -e . -r requirements.txt "${extra[@]}"
    touch "$stamp"
}
