"""Bytes on disk → text, tolerating the archive's mixed encodings and refusing junk."""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import BinaryIO

from .errors import ParseError

# A real article page is well under this; larger files are exports gone wrong or junk.
MAX_PAGE_BYTES = 10 * 1024 * 1024


def read_bytes(path: Path, limit: int = MAX_PAGE_BYTES) -> bytes:
    """Read a page, un-gzipping `.gz`, refusing anything over `limit` bytes. A file that
    cannot be read (gone since it was listed, no permission) is a ParseError like junk."""
    try:
        with open(path, "rb") as fh:
            if path.suffix == ".gz":
                data = _gunzip(fh, limit)
            else:
                size = os.fstat(fh.fileno()).st_size
                if size > limit:
                    raise ParseError(f"file too large ({size / 1e6:.1f} MB; limit {limit / 1e6:.0f} MB)")
                data = fh.read()
    except FileNotFoundError:
        raise ParseError("vanished before it could be read") from None
    except OSError as exc:
        raise ParseError(f"cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise ParseError(f"file too large once decompressed (over {limit / 1e6:.0f} MB)")
    if not data.strip():
        raise ParseError("empty file")
    return data


def _gunzip(fh: BinaryIO, limit: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
            return gz.read(limit + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ParseError(f"not a readable gzip file ({exc})") from exc


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters mean this is not a text page."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(sample) * 0.05


def decode_text(data: bytes) -> str:
    """UTF-8 when it is valid, else Windows-1252 (a superset of latin-1 in practice)."""
    if looks_binary(data):
        raise ParseError("binary data, not a text article")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")
