# Sourced by the other scripts: make (once) and enter the project's virtualenv, then
# install the project into it as a normal (non-editable) package, exactly as a user would.
# PYTHON selects the interpreter (default python3), POLICYRULES_VENV the folder (.venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${POLICYRULES_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
. "$VENV/bin/activate"
bash "$ROOT/scripts/install-durable-rules.sh" python
python -m pip install --quiet --disable-pip-version-check "$ROOT$1"
