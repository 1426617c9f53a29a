"""Segment files read straight from a memory map, without a copy.

Whoosh opens a compound segment file (.seg) either with plain reads, where every small read
(a hash bucket, a posting block's header) is a seek and a read of the buffered file, or
over mmap, where it copies each file of the segment into a BytesIO first: the postings,
terms and columns of every segment, for every searcher. MappedFile serves Whoosh's reads as
slices of the map itself: no system call and no copy but the bytes asked for. Merges keep
Whoosh's copies (they read every byte, 4% faster so).

Segment files are never changed once written (a commit writes new ones), so a map never
sees its file shrink under it."""
from __future__ import annotations

from whoosh.codec.base import Segment
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class MappedFile(StructFile):
    """A read-only StructFile over a memoryview (a slice of the segment's map)."""

    def __init__(self, buf: memoryview, name: str | None = None) -> None:
        super().__init__(None, name=name)
        self.file = self  # what StructFile hands to pickle.load
        self._buf = buf
        self._pos = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        self._pos = max(start, end)
        return self._buf[start:end].tobytes()

    def readline(self, size: int | None = -1) -> bytes:
        start = self._pos
        limit = len(self._buf) if size is None or size < 0 else min(len(self._buf), start + size)
        data = self._buf[start:limit].tobytes()
        cut = data.find(b"\n")
        line = data if cut < 0 else data[:cut + 1]
        self._pos = start + len(line)
        return line

    def seek(self, where: int, whence: int = 0) -> int:
        self._pos = where if whence == 0 else self._pos + where if whence == 1 else len(self._buf) + where
        return self._pos

    def tell(self) -> int:
        return self._pos

    def get(self, position: int, length: int) -> bytes:
        return self._buf[position:position + length].tobytes()

    def subset(self, position: int, length: int, name: str | None = None) -> "MappedFile":
        return MappedFile(self._buf[position:position + length], name=name or self._name)

    def close(self) -> None:
        if self.is_closed:
            raise Exception("This file is already closed")
        self.is_closed = True


class MappedCompound(CompoundStorage):
    """A compound segment file over mmap whose files are MappedFiles."""

    def open_file(self, name, *args, **kwargs):
        if self._source is None or self.is_closed:  # no map (no memory for it), or closed: Whoosh's
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return MappedFile(memoryview(self._source)[offset:offset + length], name=name)


class MappedStorage(FileStorage):
    """A directory whose compound segments open as MappedCompound."""

    def __init__(self, path: str) -> None:
        super().__init__(path, supports_mmap=True)


_whoosh_open_compound_file = Segment.open_compound_file


def _open_compound_file(self, storage):
    if not isinstance(storage, MappedStorage):
        return _whoosh_open_compound_file(self, storage)
    return MappedCompound(storage.open_file(self.make_filename(self.COMPOUND_EXT)), use_mmap=True)


Segment.open_compound_file = _open_compound_file
