"""A cache of loaded rulebooks, so a second process starts in milliseconds, not seconds.

Loading validates every YAML file against its schema and every quote against its official
text; the result (`RulebookData`, frozen values) depends only on those files and on the
code that read them. It is pickled into the user's cache folder under a key made of:

- the sha256 of every file under the rulebook folder (path and bytes) and the folder's
  absolute path (errors and checks name files by it);
- the sha256 of policyrules' own source files, its version, and the Python version.

Any change to any of them gives a new key, so a stale entry is never read. An entry is a
header line with the sha256 of the pickle that follows: a truncated or corrupt file fails
that check (or unpickling) and is loaded afresh and written again. Entries are written to a
temporary file and renamed, so readers never see half an entry. The cache is the user's
own folder (`$POLICYRULES_CACHE_DIR`, else `$XDG_CACHE_HOME/policyrules`, else
`~/.cache/policyrules`); `POLICYRULES_CACHE=0` turns it off. Nothing fails if the folder
cannot be written: the rulebook is then simply loaded each time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

from .loader import RulebookData, load

_MAGIC = b"policyrules-rulebook-cache 1 "
_KEEP = 32
"""Entries kept: older ones are removed when a new one is written."""


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    if os.environ.get("POLICYRULES_CACHE", "1").strip().lower() in ("0", "no", "off", "false"):
        return None
    if os.environ.get("POLICYRULES_CACHE_DIR"):
        return Path(os.environ["POLICYRULES_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policyrules"


_code_digest: str | None = None


def _code() -> str:
    """sha256 of policyrules' own source (a development install changes without a new version)."""
    global _code_digest
    if _code_digest is None:
        package = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
        _code_digest = digest.hexdigest()
    return _code_digest


def key(root: Path) -> str:
    """The cache key of the rulebook folder `root` (see the module's docstring)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("policyrules")
    except PackageNotFoundError:  # running from a source tree
        ours = "source"
    root = Path(root).resolve()
    digest = hashlib.sha256()
    for part in (ours, sys.version, sys.implementation.cache_tag or "", _code(), str(root)):
        digest.update(part.encode("utf-8") + b"\0")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        data = path.read_bytes()
        digest.update(str(len(data)).encode("ascii") + b"\0" + data)
    return digest.hexdigest()


def _read(path: Path) -> RulebookData | None:
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head, _, body = blob.partition(b"\n")
    if not head.startswith(_MAGIC) or head[len(_MAGIC):].decode("ascii", "replace") != hashlib.sha256(body).hexdigest():
        return None
    try:
        data = pickle.loads(body)  # noqa: S301 - our own entry in the user's own folder, checksummed
    except Exception:  # noqa: BLE001 - any unreadable entry is simply loaded afresh
        return None
    return data if isinstance(data, RulebookData) else None


def _write(folder: Path, path: Path, data: RulebookData) -> None:
    try:
        body = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[_KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, RecursionError):
        pass  # a cache that cannot be written is no cache, not an error


def load_cached(root: Path) -> RulebookData:
    """`loader.load(root)`, from the cache when an entry for exactly these files exists."""
    folder = cache_dir()
    if folder is None:
        return load(root)
    try:
        path = folder / f"{key(root)}.pickle"
    except OSError:
        return load(root)  # unreadable files: let the loader name them
    data = _read(path)
    if data is None:
        data = load(root)
        _write(folder, path, data)
    return data
