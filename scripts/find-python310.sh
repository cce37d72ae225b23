#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains and fails.
# Rasa Open Source 3.6 does not run on Python 3.11 or later.
set -u
candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
candidates+=(python3.10)
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -V -r); do
    candidates+=("$(pyenv root)/versions/$v/bin/python3.10")
  done
fi
# uv's own Python builds ('uv python install 3.10').
if command -v uv >/dev/null 2>&1; then
  found=$(uv python find 3.10 2>/dev/null) && candidates+=("$found")
fi
for d in "$HOME"/.pyenv/versions/3.10*/bin /usr/local/bin /usr/bin /opt/homebrew/bin; do
  candidates+=("$d/python3.10")
done
for c in "${candidates[@]}"; do
  if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
    command -v "$c" 2>/dev/null || echo "$c"
    exit 0
  fi
done
echo "error: Python 3.10 was not found (Rasa 3.6 needs exactly 3.10)." >&2
echo "Install it (see the README, 'Python 3.10': for example 'uv python install 3.10' or" >&2
echo "'pyenv install 3.10') or set PYTHON310=/path/to/python3.10." >&2
exit 1
