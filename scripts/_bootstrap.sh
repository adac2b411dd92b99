#!/usr/bin/env bash
# Sourced by scripts/serve, scripts/test and scripts/bench: brings a fresh clone (or a stale
# checkout) up to date and leaves the caller in the repository root. Every step is skipped when
# its inputs have not changed since it last succeeded, so a no-op run takes well under a second.
#
#   .venv/                      python3.11 -m venv; `pip install -e ".[test]"`
#   .venv/.samverkan-stamp      sha256 of the pyproject.toml last installed
#   node_modules/               npm ci (npm install without a lock file), when package.json exists
#   node_modules/.samverkan-*   stamps of the npm install and of the last front-end build
#   web/translations/*.mo       pybabel compile, when a .po is newer than its .mo
#
# Progress goes to stderr so the caller's stdout (e.g. bench results) stays clean.

set -euo pipefail

SAMVERKAN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$SAMVERKAN_ROOT"

_sv_say() { printf '==> %s\n' "$*" >&2; }
_sv_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

_sv_sha() { cat -- "$@" | sha256sum | cut -d' ' -f1; }

# Prints the first interpreter that really is CPython 3.11 (a pyenv shim can exist on PATH
# for a version that is not installed, so each candidate is run, not just looked up).
_sv_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

_sv_venv() {
  # A .venv copied from another machine or built on a removed interpreter is rebuilt.
  if .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    return 0
  fi
  local python
  python="$(_sv_python)" || _sv_die "Python 3.11 is needed: neither python3.11 nor python3 on PATH is 3.11"
  _sv_say "creating .venv with $(command -v "$python") ($("$python" -V 2>&1))"
  "$python" -m venv --clear .venv || _sv_die "'$python -m venv' failed (on Debian's own python: apt-get install python3.11-venv)"
}

_sv_python_deps() {
  local wanted
  wanted="$(_sv_sha pyproject.toml)"
  if [[ -f .venv/.samverkan-stamp && "$(<.venv/.samverkan-stamp)" == "$wanted" ]]; then
    return 0
  fi
  if [[ ! -f .venv/.samverkan-stamp ]]; then
    _sv_say "upgrading pip"
    .venv/bin/python -m pip install --quiet --upgrade pip >&2 \
      || printf 'warning: could not upgrade pip; continuing with %s\n' "$(.venv/bin/pip --version)" >&2
  fi
  _sv_say "installing Python dependencies (pip install -e \".[test]\")"
  .venv/bin/python -m pip install --quiet -e ".[test]" >&2
  printf '%s\n' "$wanted" > .venv/.samverkan-stamp
}

_sv_node_deps() {
  [[ -f package.json ]] || return 0
  command -v npm >/dev/null 2>&1 || _sv_die "package.json needs npm (Node 20) on PATH"
  local lock_files=(package.json) stamp=node_modules/.samverkan-stamp
  [[ -f package-lock.json ]] && lock_files+=(package-lock.json)
  if [[ ! -f "$stamp" || "$(<"$stamp")" != "$(_sv_sha "${lock_files[@]}")" ]]; then
    if [[ -f package-lock.json ]]; then
      _sv_say "installing Node packages (npm ci)"
      npm ci --no-audit --no-fund >&2
    else
      _sv_say "installing Node packages (npm install; no package-lock.json yet)"
      npm install --no-audit --no-fund >&2
      lock_files=(package.json package-lock.json)
    fi
    # Hashed after the install: `npm install` writes the lock file that the next run will see.
    _sv_sha "${lock_files[@]}" > "$stamp"
    rm -f node_modules/.samverkan-build-stamp
  fi
  _sv_build_assets
}

# `npm run build` costs a second or more, so it runs only when a front-end input is newer than
# the last successful build, or when the output directory that build made (git-ignored) has gone.
_sv_build_assets() {
  local stamp=node_modules/.samverkan-build-stamp output=web/static/dist
  if [[ -f "$stamp" ]]; then
    local expected changed
    expected="$(<"$stamp")"
    changed="$(find . \( -path ./.git -o -path ./.venv -o -path ./node_modules -o -path ./var \
        -o -path "./$output" -o -path ./package.json -o -path ./package-lock.json \
        -o -name __pycache__ \) -prune -o -type f -newer "$stamp" \
        \( -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.ts' -o -name '*.css' \
        -o -name '*.scss' -o -name '*.html' -o -name '*.json' -o -name '*.svg' \) -print -quit)"
    if [[ -z "$changed" && ( -z "$expected" || -d "$expected" ) ]]; then
      return 0
    fi
  fi
  _sv_say "building front-end assets (npm run build)"
  local started
  started="$(date +%s.%N)"
  npm run build --if-present >&2
  if [[ -d "$output" ]]; then echo "$output"; fi > "$stamp"
  # Dated to the build's start, so a file edited while it ran triggers the next build.
  touch -d "@$started" "$stamp"
}

_sv_translations() {
  [[ -d web/translations ]] || return 0
  local po stale=""
  while IFS= read -r -d '' po; do
    if [[ ! -f "${po%.po}.mo" || "$po" -nt "${po%.po}.mo" ]]; then
      stale="$po"
      break
    fi
  done < <(find web/translations -name '*.po' -print0)
  [[ -n "$stale" ]] || return 0
  if [[ ! -x .venv/bin/pybabel ]]; then
    printf 'warning: %s is not compiled and .venv has no pybabel (Babel)\n' "$stale" >&2
    return 0
  fi
  _sv_say "compiling translations (pybabel compile -d web/translations)"
  .venv/bin/pybabel -q compile -d web/translations >&2
}

_sv_bootstrap() {
  # Two scripts started at once (serve and test) must not run pip or npm over each other.
  # The lock is the script file itself, opened read-only, and is released before the caller
  # execs a long-running process.
  local lock_fd
  if command -v flock >/dev/null 2>&1; then
    exec {lock_fd}<"$SAMVERKAN_ROOT/scripts/_bootstrap.sh"
    flock "$lock_fd"
  fi
  _sv_venv
  _sv_python_deps
  _sv_node_deps
  _sv_translations
  if [[ -n "${lock_fd:-}" ]]; then
    exec {lock_fd}<&-
  fi
}

_sv_bootstrap
unset -f _sv_bootstrap _sv_venv _sv_python _sv_python_deps _sv_node_deps _sv_build_assets \
  _sv_translations _sv_sha _sv_say _sv_die
