# Shared by ./run and ./test (sourced, not executed): installs what is missing,
# quietly. The caller has `set -euo pipefail` and is in the repository root.

# System libraries the app needs at run time: Pango/HarfBuzz for WeasyPrint
# PDFs, Noto CJK so Chinese text renders, gettext for msgfmt.
RUNTIME_APT=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext)

# as_root CMD...: run CMD as root (through sudo unless we are root already).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# quietly CMD...: run CMD with its output hidden, unless it fails.
quietly() {
    local log rc=0
    log=$(mktemp)
    "$@" >"$log" 2>&1 || rc=$?
    [ "$rc" -eq 0 ] || { echo "FAILED: $*" >&2; cat "$log" >&2; }
    rm -f "$log"
    return "$rc"
}

# ensure_apt PKG...: apt-get install those PKGs that are not installed yet.
ensure_apt() {
    local pkg missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
    done
    [ "${#missing[@]}" -gt 0 ] || return 0
    echo "Installing system packages: ${missing[*]}"
    quietly as_root apt-get update
    quietly as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
}

# ensure_venv REQUIREMENTS_FILE: make .venv, pip install the file when it (or
# any requirements*.txt it may include) changed since the last install, and
# put .venv/bin first on PATH.
ensure_venv() {
    local req=$1 stamp=".venv/.${1%.txt}.sha" sha
    if ! .venv/bin/python -c '' 2>/dev/null; then
        python3 -c 'import ensurepip' 2>/dev/null || ensure_apt python3-venv
        rm -rf .venv
        quietly python3 -m venv .venv
    fi
    sha=$(cat requirements*.txt | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$sha" ]; then
        echo "Installing Python packages from $req"
        quietly .venv/bin/python -m pip install --disable-pip-version-check -r "$req"
        echo "$sha" >"$stamp"
    fi
    export VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH"
}

# ensure_secret_key: export SECRET_KEY, generated once into .secret_key unless set.
ensure_secret_key() {
    if [ -z "${SECRET_KEY:-}" ]; then
        [ -s .secret_key ] ||
            (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >.secret_key)
        SECRET_KEY=$(<.secret_key)
    fi
    export SECRET_KEY
}
