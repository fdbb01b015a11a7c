#!/usr/bin/env bash
# Creates (or reuses) the Python virtual environment with scikit-learn used by the parity checks.
# Idempotent: the venv is rebuilt only when requirements.txt changes (its hash is the stamp).
# Prints the interpreter path as the last line of stdout; progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${TOPICSTREAM_VENV:-$root/.venv}"
requirements="$here/requirements.txt"
python="${PYTHON:-python3}"

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
stamp="$venv/.requirements.sha256"

if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "python venv: up to date ($venv)" >&2
else
  echo "python venv: creating $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv"
  echo "python venv: installing $(grep -cv '^\s*\(#\|$\)' "$requirements") pinned packages from PyPI" >&2
  "$venv/bin/python" -m pip install --disable-pip-version-check --no-input --progress-bar off \
    -r "$requirements" >&2
  echo "$want" >"$stamp"
  echo "python venv: ready" >&2
fi
echo "$venv/bin/python"
