#!/usr/bin/env bash
# Set up and run the main job: evaluate a bundled example case and print its findings.
# Usage: bash scripts/demo.sh [CASE_FILE] [policyrules evaluate options...]
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" ""
CASE="$(realpath "${1:-$ROOT/examples/neihuang-secondary-student.yaml}")"
shift || true
cd "$(mktemp -d)"   # run away from the source tree: the installed package must find its rulebook
policyrules evaluate "$CASE" "$@"
