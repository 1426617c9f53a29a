"""Whoosh commits made durable: synced to disk, with the previous generation kept.

Whoosh never fsyncs and deletes the previous table of contents (TOC) at every commit, so a
TOC truncated by a power loss leaves an index that will not open. Here every commit is
synced before it counts, the generation before it stays on disk until the next commit, and
opening falls back to it when the newest TOC cannot be read."""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import struct
import zlib
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from .mapped_files import MappedStorage
from .trust import check_generation
from .wordlists import WordListWriter

# What a damaged TOC raises while being read (truncated pickle, bad zlib stream, short file…).
TOC_ERRORS = (EOFError, ValueError, OSError, IndexError, KeyError, AttributeError,
              TypeError, ImportError, pickle.UnpicklingError, whoosh_index.IndexError)
# What reading a damaged segment raises (short reads, bad pickles and zlib streams).
READ_ERRORS = TOC_ERRORS + (struct.error, zlib.error)
# Size and SHA-1 of every segment file, recorded when it is first named by a TOC: segments
# never change once written, so any difference is damage, and `check` can name the file.
SUMS_FILE = "segments.json"
# What Whoosh's TOC.write leaves when it dies before its rename.
_TOC_TEMP = re.compile(r"^_MAIN_[0-9]+\.toc\.[0-9.]+$")


class UnreadableIndex(Exception):
    """No table of contents of a generation can be read."""


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not keep what it could not finish
        raise


def segment_files(gen_dir: Path, segment) -> list[Path]:
    prefix = segment.segment_id() + "."
    return sorted(p for p in gen_dir.iterdir() if p.name.startswith(prefix))


def file_sha1(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_sums(gen_dir: Path) -> dict[str, list]:
    try:
        return json.loads((gen_dir / SUMS_FILE).read_text())
    except (OSError, ValueError):
        return {}


def damaged_files(gen_dir: Path, segments: list, full: bool) -> list[tuple[Path, str]]:
    """Segment files that differ from what was written: (file, what is wrong). Sizes only,
    unless `full` (every byte hashed). Segments written before sums were kept are skipped."""
    sums = load_sums(gen_dir)
    problems = []
    for segment in segments:
        for name, (size, sha1) in sums.items():
            if not name.startswith(segment.segment_id() + "."):
                continue
            path = gen_dir / name
            try:
                actual = path.stat().st_size
            except FileNotFoundError:
                problems.append((path, "missing"))
                continue
            if actual != size:
                problems.append((path, f"{actual} bytes, {size} when written"))
            elif full and file_sha1(path) != sha1:
                problems.append((path, "its bytes differ from when it was written"))
    return problems


def _record_sums(gen_dir: Path, segments: list) -> None:
    """Sums of the files of `segments`, kept for as long as a TOC names them."""
    old = load_sums(gen_dir)
    sums = {}
    for segment in segments:
        for path in segment_files(gen_dir, segment):
            sums[path.name] = old.get(path.name) or [path.stat().st_size, file_sha1(path)]
    write_atomic(gen_dir / SUMS_FILE, json.dumps(sums, sort_keys=True).encode())


def fsync_path(path: Path) -> None:
    """fsync one file, or a directory's entries (a rename or removal in it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """fsync every file in a directory, then the directory itself."""
    for entry in path.iterdir():
        if entry.is_file():
            fsync_path(entry)
    fsync_path(path)


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


class DurableWriter(WordListWriter):
    """A SegmentWriter whose commit syncs and leaves the generation it started from intact."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self._base_generation = self.generation - 1
        self._base_segments = {s.segment_id() for s in self.segments}
        self._base_toc_segments = list(self.segments)
        self._written_elsewhere: list = []

    def add_segments(self, segments: list) -> None:
        """Finished segments written by other processes (indexer.segments), named by this
        commit's TOC beside the writer's own."""
        self._written_elsewhere.extend(segments)

    def _commit_toc(self, segments):
        segments = list(segments) + self._written_elsewhere
        folder = Path(self.storage.folder)
        # The base generation's segments keep their sums: it is what a reader falls back to.
        _record_sums(folder, segments + [s for s in self._base_toc_segments
                                         if s.segment_id() not in {x.segment_id() for x in segments}])
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


def open_last_good(gen_dir: Path, whole_files: bool = False):
    """Open the newest generation whose TOC reads; raise the newest error if none does.

    Segments are read as slices of a memory map (indexer.mapped_files): at 10,000 Reuters
    articles, 300 queries 7% faster than with plain reads, each a seek and a buffered read;
    the same anonymous memory (90 MB), and the index pages read mapped (+28 MB, page cache).
    With `whole_files`, Whoosh copies each file of a segment into memory as it opens it
    (BytesIO over its own mmap): for merges, which read all of it; a searcher so copies
    every segment (921 MB RSS against 64 MB at 100,000 articles)."""
    check_generation(gen_dir)
    storage = FileStorage(str(gen_dir), supports_mmap=True) if whole_files else MappedStorage(str(gen_dir))
    try:
        return FileIndex(storage)
    except TOC_ERRORS as newest_error:
        latest = _latest(storage)
        for generation in range(latest - 1, max(-1, latest - 3), -1):
            try:
                return _PinnedIndex(storage, generation)
            except TOC_ERRORS:
                continue
        tocs = ", ".join(sorted(p.name for p in gen_dir.glob("_MAIN_*.toc"))) or "no table of contents"
        raise UnreadableIndex(f"{gen_dir}: no table of contents can be read ({tocs}; "
                              f"{type(newest_error).__name__}: {newest_error})") from newest_error


def remove_toc_temps(gen_dir: Path) -> None:
    for path in gen_dir.iterdir():
        if _TOC_TEMP.match(path.name):
            path.unlink(missing_ok=True)


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
