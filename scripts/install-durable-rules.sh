#!/usr/bin/env bash
# Install durable-rules 2.0.28 into the current Python environment, built from its sdist
# with the project's patch (patches/durable-rules-2.0.28-py313.patch).
#
# durable-rules ships only an sdist (pip always compiles it), and 2.0.28 — the latest
# release — calls PyEval_CallObject, which Python 3.13 removed, so it does not import
# there. The patch calls PyObject_CallObject instead (the same call, available in every
# Python 3). The patched build is used on every interpreter, so there is one build path.
#
# Usage: bash scripts/install-durable-rules.sh [PYTHON]   (default: python on PATH)
# Needs: a C compiler (cc), the interpreter's headers (Python.h), network access to PyPI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${1:-python}"
VERSION="2.0.28"
SHA256="053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
PATCH="$ROOT/patches/durable-rules-$VERSION-py313.patch"

if "$PY" - "$VERSION" <<'PYCODE' 2>/dev/null
import sys
from importlib.metadata import version
import durable_rules_engine  # noqa: F401 - importable on this interpreter
sys.exit(0 if version("durable-rules") == sys.argv[1] else 1)
PYCODE
then
  exit 0  # already installed and importable
fi

command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || {
  echo "error: durable-rules is compiled from source: install a C compiler (Debian: apt-get install gcc)" >&2; exit 1; }
"$PY" -c 'import os, sys, sysconfig; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")) else 1)' || {
  echo "error: the headers of $("$PY" -c 'import sys; print(sys.executable)') are missing (Python.h; Debian: apt-get install python3-dev)" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PY" -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: "durable-rules==$VERSION" -d "$WORK"
SDIST="$WORK/durable_rules-$VERSION.tar.gz"
echo "$SHA256  $SDIST" | sha256sum --check --status || {
  echo "error: $SDIST does not have the pinned sha256 $SHA256" >&2; exit 1; }
tar xzf "$SDIST" -C "$WORK"
patch --quiet --directory "$WORK/durable_rules-$VERSION" -p1 < "$PATCH"
"$PY" -m pip install --quiet --disable-pip-version-check "$WORK/durable_rules-$VERSION"
"$PY" -c 'import durable_rules_engine' || { echo "error: durable_rules_engine does not import after the build" >&2; exit 1; }
