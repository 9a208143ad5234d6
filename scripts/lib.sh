# Shared by scripts/demo and scripts/test: make the machine ready, idempotently and quietly.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

log() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root for: $*"; return 1; fi
}

apt_install() {
  # Installs the named Debian packages that are missing; `apt-get update` once per call.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
  # $1: extras to install (e.g. "dev,bench"); reinstalls only when pyproject.toml changed or an extra is
  # missing, and keeps the extras already installed (so demo and test do not undo each other's install).
  local extras="${1:-}"
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating virtualenv in .venv"
    if ! "$PY" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      apt_install python3-venv
      "$PY" -m venv "$VENV"
    fi
  fi
  local stamp="$VENV/.golive-installed" hash stamped have want
  hash="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  stamped="$(cat "$stamp" 2>/dev/null || true)"
  have=""
  [ "${stamped%%|*}" = "$hash" ] && have="${stamped#*|}"
  want="$(printf '%s\n' ${have//,/ } ${extras//,/ } | sort -u | paste -sd, -)"
  if [ "$stamped" != "$hash|$want" ] || [ -z "$stamped" ]; then
    log "installing golive and its dependencies into .venv"
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    local spec="$ROOT"
    [ -n "$want" ] && spec="$ROOT[$want]"
    "$VENV/bin/python" -m pip install -q -e "$spec"
    echo "$hash|$want" > "$stamp"
  fi
  # golive is installed editable, so pip compiled none of its own modules. Python writes them on first import,
  # except in a shell with PYTHONDONTWRITEBYTECODE set (as many CI images and this project's machines have):
  # there every golive command compiled its sources again, ~50 ms of CPU for `golive plan show`. Up to date,
  # this takes ~0.3 s; stale files are recompiled, and Python ignores any that no longer match their source.
  "$VENV/bin/python" -m compileall -q -j 0 "$ROOT/src" >/dev/null || log "could not precompile src/ (harmless)"
}

system_packages() {
  # $1: a list of Debian packages, one a line, '#' comments. A line may name a command after the package
  # ("npm npm"): when that command is already on PATH (e.g. Node.js from another source that ships its own npm,
  # where Debian's npm package cannot be installed beside it) the package is not needed.
  local pkg cmd
  while read -r pkg cmd _; do
    case "$pkg" in ''|'#'*) continue ;; esac
    if [ -n "${cmd:-}" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
    printf '%s\n' "$pkg"
  done < "$1"
}
