"""Which index files may be opened at all.

Whoosh's tables of contents and segments hold pickles (the schema, the segment list, the
stored fields): whoever can write an index file can run code in every process that opens
it, the server and the indexer alike. So every file of an index directory is checked before
the index is opened: owned by this user (or root) and writable by nobody else."""
from __future__ import annotations

import os
import stat
from pathlib import Path


class UntrustedFile(Exception):
    """An index file someone else could have written."""


def check_trusted(*paths: Path) -> None:
    for path in paths:
        st = path.stat()
        if st.st_uid not in (os.getuid(), 0):
            raise UntrustedFile(f"refusing to open {path}: owned by another user (uid {st.st_uid})")
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise UntrustedFile(f"refusing to open {path}: writable by group or others (chmod go-w)")


def check_generation(gen_dir: Path) -> None:
    """The generation directory and every file in it that an open may read (hidden files are
    temporary or set aside, and never read)."""
    check_trusted(gen_dir)
    for path in gen_dir.iterdir():
        if not path.name.startswith("."):
            try:
                check_trusted(path)
            except FileNotFoundError:  # removed by a commit meanwhile: nothing will read it
                continue
