"""Write outputs so that a failed run leaves nothing behind.

Every output is first written under a temporary name in the destination's own
directory (so the final rename is atomic on one filesystem) and only renamed into
place once the whole job has succeeded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Sequence


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, companions: Sequence[str] = ()) -> Iterator[Path]:
    """Yield a temporary path; on success rename it (and ``tmp + suffix`` companions) onto ``path``.

    ``companions`` are suffixes of side files written next to the output, such as
    ``.tbi`` or ``.bai``; they are renamed together with it so an index never
    outlives or predates its file.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp" + "".join(final.suffixes[-2:]),
                                    dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~_umask())  # mkstemp's 0600 would otherwise survive the rename
    try:
        yield tmp
        for suffix in companions:
            side = Path(str(tmp) + suffix)
            if side.exists():
                os.replace(side, str(final) + suffix)
        os.replace(tmp, final)
    finally:
        for leftover in [tmp, *(Path(str(tmp) + s) for s in companions)]:
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling directory; on success move its files into ``path``.

    A directory the user created beforehand is kept and filled; files from a failed
    run never appear in it.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would otherwise survive the rename
    try:
        yield tmp
        if not final.exists():
            os.replace(tmp, final)
        else:
            for item in sorted(tmp.iterdir()):
                target = final / item.name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                os.replace(item, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
