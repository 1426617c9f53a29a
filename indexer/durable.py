"""Whoosh commits made durable: synced to disk, with the previous generation kept.

Whoosh never fsyncs and deletes the previous table of contents (TOC) at every commit, so a
TOC truncated by a power loss leaves an index that will not open. Here every commit is
synced before it counts, the generation before it stays on disk until the next commit, and
opening falls back to it when the newest TOC cannot be read."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from whoosh.writing import SegmentWriter

# What a damaged TOC raises while being read (truncated pickle, bad zlib stream, short file…).
TOC_ERRORS = (EOFError, ValueError, OSError, IndexError, KeyError, AttributeError,
              TypeError, ImportError, pickle.UnpicklingError)


def fsync_dir(path: Path) -> None:
    """fsync every file in a directory, then the directory itself."""
    for entry in path.iterdir():
        if entry.is_file():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_unreferenced(storage, indexname: str, keep_gens: set[int], keep_segments: set[str]) -> None:
    toc_pattern = TOC._pattern(indexname)
    seg_pattern = TOC._segment_pattern(indexname)
    for filename in list(storage):
        if filename.startswith("."):
            continue
        toc = toc_pattern.match(filename)
        seg = seg_pattern.match(filename)
        if (toc and int(toc.group(1)) not in keep_gens) or (seg and seg.group(1) not in keep_segments):
            try:
                storage.delete_file(filename)
            except OSError:
                pass


class DurableWriter(SegmentWriter):
    """A SegmentWriter whose commit syncs and leaves the generation it started from intact."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self._base_generation = self.generation - 1
        self._base_segments = {s.segment_id() for s in self.segments}
        self._written_elsewhere: list = []

    def add_segments(self, segments: list) -> None:
        """Finished segments written by other processes (indexer.segments), named by this
        commit's TOC beside the writer's own."""
        self._written_elsewhere.extend(segments)

    def _commit_toc(self, segments):
        segments = list(segments) + self._written_elsewhere
        folder = Path(self.storage.folder)
        fsync_dir(folder)  # the new segments are on disk before the TOC names them
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        fsync_dir(folder)
        remove_unreferenced(self.storage, self.indexname, {self.generation, self._base_generation},
                             {s.segment_id() for s in segments} | self._base_segments)


class _PinnedIndex(FileIndex):
    """An index opened at a given generation (the newest readable one)."""

    def __init__(self, storage, generation: int):
        self.storage = storage
        self._schema = None
        self.indexname = whoosh_index._DEF_INDEX_NAME
        self._generation = generation
        TOC.read(storage, self.indexname, gen=generation)

    def latest_generation(self) -> int:
        return self._generation

    def _read_toc(self):
        return TOC.read(self.storage, self.indexname, gen=self._generation, schema=self._schema)


def _latest(storage) -> int:
    return TOC._latest_generation(storage, whoosh_index._DEF_INDEX_NAME)


def open_last_good(gen_dir: Path, mmap: bool = False):
    """Open the newest generation whose TOC reads; raise the newest error if none does.

    Searchers read files with plain reads, not mmap: over mmap, Whoosh copies every compound
    segment's postings, terms and columns into memory (BytesIO) for each searcher. Measured
    on 100,000 Reuters articles (453 MB index), one searcher after 300 queries: 921 MB RSS
    with mmap, 64 MB without; query p50 +17%, p95 +10%."""
    storage = FileStorage(str(gen_dir), supports_mmap=mmap)
    try:
        return FileIndex(storage)
    except TOC_ERRORS as newest_error:
        latest = _latest(storage)
        for generation in range(latest - 1, max(-1, latest - 3), -1):
            try:
                return _PinnedIndex(storage, generation)
            except TOC_ERRORS:
                continue
        raise newest_error


def quarantine_unreadable_toc(gen_dir: Path) -> str | None:
    """Move a damaged newest TOC aside (hidden, so nothing deletes it) so writers continue from
    the last good generation; returns the file's name when it did."""
    storage = FileStorage(str(gen_dir))
    try:
        FileIndex(storage)
        return None
    except TOC_ERRORS:
        name = TOC._filename(whoosh_index._DEF_INDEX_NAME, _latest(storage))
        os.replace(gen_dir / name, gen_dir / f".{name}.damaged")
        return name
