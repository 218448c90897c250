"""Publishing a built release atomically: the temporary folder is renamed into place (or exchanged with an
identical existing one), leftovers of killed builds are removed, and other content under a version is refused."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from iraq_frontiers.release.errors import ReleaseExists, VersionConflict

_LEFTOVER = re.compile(r"^\..+\.(partial|old)-(\d+)(-.*)?$")


def _remove_stale_partials(out: Path) -> None:
    """Remove hidden work folders (`.<version>.partial-<pid>-…`, `.<version>.old-<pid>`) of builds that
    were killed: their process is gone. A build still running (its process alive) is left alone."""
    for p in out.iterdir():
        m = _LEFTOVER.match(p.name)
        if not m or not p.is_dir() or p.is_symlink():
            continue
        try:
            os.kill(int(m.group(2)), 0)
            continue  # still running
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except (PermissionError, OverflowError, ValueError):
            continue  # another user's live process, or not a pid of ours


def _sums_map(text: str) -> dict[str, str]:
    return {line[66:]: line[:64] for line in text.splitlines() if len(line) > 66}


def _refuse_other_content(final: Path, sums: str) -> None:
    """A version is one content: an existing release may only be rebuilt with identical files."""
    existing = final / "SHA256SUMS"
    old = _sums_map(existing.read_text(encoding="utf-8", errors="replace")) if existing.is_file() else {}
    new = _sums_map(sums)
    toolkit = lambda m: {f: h for f, h in m.items() if not f.startswith("dist/")}  # noqa: E731  (release/dist.py)
    if old == new or toolkit(old) == toolkit(new):  # the same data; the toolkit's wheel and sdist may be rebuilt
        return
    differ = sorted(f for f in set(old) | set(new) if old.get(f) != new.get(f))
    shown = ", ".join(differ[:8]) + (f" and {len(differ) - 8} more" if len(differ) > 8 else "")
    raise VersionConflict(f"release {final.name} already exists in {final.parent} with other content ({shown} differ): "
                          "a version is one content, and --force only rebuilds identical bytes. Set a new version in "
                          "schemas/package.json (docs/versioning.md); delete the folder only if it was never published")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    import ctypes
    import errno
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EPERM, errno.EOPNOTSUPP):
        return False  # kernel or file system without RENAME_EXCHANGE: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _publish(tmp: Path, final: Path, force: bool) -> None:
    """Move the finished build into place; an existing release is replaced only with force."""
    if not final.exists():
        try:
            os.rename(tmp, final)
            return
        except OSError:
            if not final.exists():
                raise
    if not force:
        raise ReleaseExists(f"release folder {final} already exists: pass --force to replace it")
    if _exchange(tmp, final):  # one atomic step: a kill at any moment leaves a whole release under its name
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous release
        return
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(old, final)  # put the previous release back
        raise
    shutil.rmtree(old, ignore_errors=True)
