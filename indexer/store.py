"""The index directory on disk: generations, the schema version, the indexer's lock.

Layout of DIR:
    current -> gen-000002     symlink; swapping it is how a rebuild goes live atomically
    gen-000002/               the Whoosh index, newsdesk.json (schema version), manifest.json
    indexer.lock              flock held by the one running indexer (never deleted)
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from whoosh import index as whoosh_index
from whoosh.index import TOC

from .durable import fsync_dir, open_last_good, quarantine_unreadable_toc, remove_unreferenced
from .schema import SCHEMA_VERSION, build_schema

DEFAULT_INDEX = "newsdesk-index"
INFO_FILE = "newsdesk.json"
LOCK_FILE = "indexer.lock"


class IndexProblem(Exception):
    """A problem with the index directory, worded for the person running the command."""


class NoIndex(IndexProblem):
    pass


class IndexerBusy(IndexProblem):
    pass


def default_index_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_INDEX") or DEFAULT_INDEX)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class IndexDir:
    def __init__(self, root: Path | str):
        # Resolved once, so generation paths compare equal however the index was named.
        self.root = Path(root).resolve()

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def current(self) -> Path | None:
        """The live generation's directory, or None when nothing was ever built."""
        if not self.current_link.is_symlink() and not self.current_link.exists():
            return None
        target = self.current_link.resolve()
        return target if target.is_dir() else None

    def info(self, gen: Path | None = None) -> dict:
        gen = gen or self.current()
        if gen is None:
            return {}
        try:
            return json.loads((gen / INFO_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            return {}

    def check_version(self, gen: Path) -> None:
        version = self.info(gen).get("schema_version")
        if version != SCHEMA_VERSION:
            raise IndexProblem(
                f"the index at {self.root} was built with schema version {version}, this newsdesk "
                f"needs {SCHEMA_VERSION}: run newsdesk index --rebuild PATH...")

    def check_trusted(self, gen: Path) -> None:
        """Whoosh's table of contents is a pickle: whoever can write the index can run code in
        every process that opens it. Only open an index this user (or root) owns and nobody
        else can write."""
        for path in (self.root, gen, *gen.glob("*.toc")):
            st = path.stat()
            if st.st_uid not in (os.getuid(), 0):
                raise IndexProblem(f"refusing to open {path}: owned by another user (uid {st.st_uid})")
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                raise IndexProblem(f"refusing to open {path}: writable by group or others (chmod go-w)")

    def open(self):
        """Open the live index for reading (or writing, under the lock)."""
        gen = self.current()
        if gen is None or not any(gen.glob("_MAIN_*.toc")):
            raise NoIndex(f"no index at {self.root}: run newsdesk index PATH... first")
        self.check_version(gen)
        self.check_trusted(gen)
        return self.open_generation(gen)

    def open_generation(self, gen: Path):
        return open_last_good(gen)

    def new_generation(self) -> Path:
        """An empty index beside the live one; it goes live with activate()."""
        self.root.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.name[4:]) for p in self.root.glob("gen-*") if p.name[4:].isdigit()]
        gen = self.root / f"gen-{max(numbers, default=0) + 1:06d}"
        gen.mkdir()
        whoosh_index.create_in(str(gen), build_schema())
        info = {"schema_version": SCHEMA_VERSION,
                "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        write_atomic(gen / INFO_FILE, json.dumps(info).encode())
        fsync_dir(gen)
        return gen

    def activate(self, gen: Path) -> None:
        """Point `current` at gen in one rename, then drop generations nobody points at."""
        tmp = self.root / f".current.{os.getpid()}"
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(gen.name)
        os.replace(tmp, self.current_link)
        fsync_dir(self.root)
        self.remove_stale_generations()

    def remove_stale_generations(self) -> None:
        """Generations that are not live are leftovers of finished or killed rebuilds.

        Only the lock holder calls this, so no rebuild is in progress; readers still holding
        files of an old generation keep them open (Linux frees them on close)."""
        live = self.current()
        for gen in self.root.glob("gen-*"):
            if gen.resolve() != live:
                shutil.rmtree(gen, ignore_errors=True)

    def clean_leftovers(self, gen: Path) -> list[str]:
        """Repair what a killed or crashed writer left: a damaged newest TOC is moved aside (the
        previous generation is still there), then files no kept generation names and temp
        storage are removed. Returns what was repaired, for the run's report."""
        repaired = []
        damaged = quarantine_unreadable_toc(gen)
        if damaged:
            repaired.append(f"moved aside damaged {damaged}; continuing from the previous commit")
        ix = self.open_generation(gen)
        toc = ix._read_toc()
        keep_gens, keep_segments = {toc.generation}, {s.segment_id() for s in toc.segments}
        try:
            previous = TOC.read(ix.storage, ix.indexname, gen=toc.generation - 1)
            keep_gens.add(previous.generation)
            keep_segments |= {s.segment_id() for s in previous.segments}
        except Exception:  # no previous generation, or it is damaged: nothing of it to keep
            pass
        remove_unreferenced(ix.storage, ix.indexname, keep_gens, keep_segments)
        for leftover in gen.iterdir():
            if leftover.name.endswith(".tmp"):
                if leftover.is_dir():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
        return repaired

    @contextmanager
    def writer_lock(self) -> Iterator[int]:
        """One indexer at a time; the kernel drops the flock when its holder dies (and every
        process it forked has closed the descriptor, see indexer.workers). Yields the lock's
        file descriptor."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = os.read(fd, 32).decode(errors="replace").strip() or "?"
                raise IndexerBusy(f"another indexer (pid {pid}) is running on {self.root}") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield fd
        finally:
            os.close(fd)
