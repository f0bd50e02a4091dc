#!/usr/bin/env bash
# Set up and run the test suite against the installed (non-editable) package.
# Usage: bash scripts/test.sh [pytest options...]
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "[test]"
cd "$ROOT"
# The HTML report is checked in headless Chromium (tests/test_report.py). On a fresh Debian
# machine run as root, install Debian's chromium and a Chinese font when missing; elsewhere the
# test skips, except under CI=true, where it fails.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || need+=(fonts-wqy-microhei)
  if [ ${#need[@]} -gt 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) \
      || echo "could not install ${need[*]}: the report test will skip (or fail under CI)" >&2
  fi
fi
python -m pytest "$@"
