"""Write a file whole or not at all.

Every file the lab writes (data tables, executed notebooks, PDF reports, a new lab
folder's files) is first written to a temporary file in the target's folder and then
moved onto the target with :func:`os.replace`, which is atomic on one file system: a
reader sees the old content or the new, never half of it, and a failed write leaves
the old file untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def current_umask() -> int:
    """The process's umask (read by setting it and restoring it)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


@contextmanager
def replaced_whole(target: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``target``, moved onto it when the block ends without an error.

    Parameters
    ----------
    target : str or path-like
        The file to write; its folder is created when missing.

    Yields
    ------
    pathlib.Path
        Where the block writes the content. It has the permissions a new file gets
        under the process's umask (``mkstemp`` alone would make it private, 0600).
        When the block raises, the temporary file is removed and ``target`` is left as
        it was; a block that moves the temporary file elsewhere itself keeps it.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    partial = Path(name)
    try:
        partial.chmod(0o666 & ~current_umask())
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def write_whole(target: str | os.PathLike, content: bytes) -> None:
    """Write ``content`` to ``target`` through :func:`replaced_whole`."""
    with replaced_whole(target) as partial:
        partial.write_bytes(content)
