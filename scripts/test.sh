#!/usr/bin/env bash
# Set up and run the test suite against the installed (non-editable) package.
# Usage: bash scripts/test.sh [pytest options...]
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "[test]"
cd "$ROOT"
python -m pytest "$@"
