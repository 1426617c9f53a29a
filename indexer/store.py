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
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from whoosh import index as whoosh_index
from whoosh.index import TOC

from whoosh.reading import SegmentReader

from .durable import (DurableWriter, UnreadableIndex, damaged_files, fsync_dir, open_last_good,
                      quarantine_unreadable_toc, remove_toc_temps, remove_unreferenced, write_atomic)
from .schema import SCHEMA_VERSION, build_schema
from .trust import UntrustedFile, check_generation, check_trusted

DEFAULT_INDEX = "newsdesk-index"
INFO_FILE = "newsdesk.json"
LOCK_FILE = "indexer.lock"


class IndexProblem(Exception):
    """A problem with the index directory, worded for the person running the command."""


class NoIndex(IndexProblem):
    pass


class IndexerBusy(IndexProblem):
    pass


class IndexDamaged(IndexProblem):
    pass


def default_index_dir() -> Path:
    return Path(os.environ.get("NEWSDESK_INDEX") or DEFAULT_INDEX)


class IndexDir:
    def __init__(self, root: Path | str):
        # Resolved once, so generation paths compare equal however the index was named.
        self.root = Path(root).resolve()

    @property
    def current_link(self) -> Path:
        return self.root / "current"

    def current(self) -> Path | None:
        """The live generation's directory, or None when nothing was ever built. Without the
        `current` link (deleted by hand, or a backup that skipped symlinks) it is the newest
        generation that went live and still opens."""
        try:
            name = os.readlink(self.current_link)
        except OSError:  # no link (or not a link): the newest that went live
            return self._newest_intact()
        # The link names a generation beside it (activate): read in one system call, as every
        # search checks it (Path.resolve took 45 µs); anything else is resolved.
        target = self.root / name if os.sep not in name else self.current_link.resolve()
        return target if target.is_dir() else None

    def _newest_intact(self) -> Path | None:
        gens = sorted((p for p in self.root.glob("gen-*") if p.name[4:].isdigit() and p.is_dir()),
                      key=lambda p: int(p.name[4:]), reverse=True)
        # Generations made before went_live was recorded: the one holding most files.
        marked = [g for g in gens if self.info(g).get("went_live")] or sorted(
            gens, key=lambda g: (g / "manifest.json").stat().st_size if (g / "manifest.json").exists() else 0,
            reverse=True)
        for gen in marked:
            try:
                open_last_good(gen).close()
            except Exception:  # damaged or untrusted: not one to go back to
                continue
            return gen
        return None

    def recover_current(self) -> str | None:
        """Put a missing `current` link back (the indexer, under the lock); says what it did."""
        if self.current_link.is_symlink():
            return None
        gen = self._newest_intact()
        if gen is None:
            return None
        self.activate(gen)
        return f"the current link was missing: pointed it at {gen.name}, the newest intact generation"

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
        """The index's own directory and every file of the generation (indexer.trust)."""
        try:
            check_trusted(self.root)
            check_generation(gen)
        except UntrustedFile as exc:
            raise IndexProblem(str(exc)) from None

    def open(self, verify: bool = True):
        """Open the live index for reading (or writing, under the lock); `verify` refuses a
        segment file whose size differs from when it was written."""
        gen = self.current()
        if gen is None or not any(gen.glob("_MAIN_*.toc")):
            raise NoIndex(f"no index at {self.root}: run newsdesk index PATH... first")
        self.check_version(gen)
        self.check_trusted(gen)
        ix = self.open_generation(gen)
        damaged = damaged_files(gen, ix._read_toc().segments, full=False) if verify else []
        if damaged:
            ix.close()
            path, what = damaged[0]
            raise IndexDamaged(f"{path} is damaged ({what}): run newsdesk index PATH... to drop it "
                               "and parse its articles' files again")
        return ix

    def open_generation(self, gen: Path):
        """Open a generation (any process: the indexer, its workers, searchers)."""
        try:
            return open_last_good(gen)
        except UntrustedFile as exc:
            raise IndexProblem(str(exc)) from None
        except UnreadableIndex as exc:
            raise IndexDamaged(f"{exc}: run newsdesk index PATH... to build it again from your "
                               "files") from None

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
        info = self.info(gen)
        if not info.get("went_live"):  # what a missing link is recovered from (current())
            info["went_live"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            write_atomic(gen / INFO_FILE, json.dumps(info).encode())
        tmp.symlink_to(gen.name)
        os.replace(tmp, self.current_link)
        fsync_dir(self.root)
        self.remove_stale_generations()

    def remove_stale_generations(self) -> None:
        """Generations that are not live are leftovers of finished or killed rebuilds.

        Only the lock holder calls this, so no rebuild is in progress; readers still holding
        files of an old generation keep them open (Linux frees them on close)."""
        if not self.current_link.is_symlink():
            return  # which generation is live is not known for sure: keep them all
        live = self.current()
        for gen in self.root.glob("gen-*"):
            if gen.resolve() != live:
                shutil.rmtree(gen, ignore_errors=True)

    def clean_leftovers(self, gen: Path, verify: bool = False) -> list[str]:
        """Repair what a killed or crashed writer left: a damaged newest TOC is moved aside (the
        previous generation is still there), segments cut short (or, with `verify`, with any
        byte changed) are dropped, then files no kept generation names and temp storage are
        removed. Returns what was repaired, for the run's report."""
        repaired = []
        damaged = quarantine_unreadable_toc(gen)
        if damaged:
            repaired.append(f"moved aside damaged {damaged}; continuing from the previous commit")
        remove_toc_temps(gen)
        ix = self.open_generation(gen)
        toc = ix._read_toc()
        broken = _damaged_segments(gen, ix, toc.segments, full=verify)
        if broken:
            writer = DurableWriter(ix, timeout=30.0)
            writer.commit(mergetype=lambda w, segments: [s for s in segments if s not in broken])
            names = ", ".join(f"{s.segment_id()}.seg" for s in broken)
            repaired.append(f"dropped damaged segment(s) {names} "
                            f"({sum(s.doc_count() for s in broken)} articles); their files are parsed again")
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
    def writer_lock(self, wait: float = 0.0) -> Iterator[int]:
        """One indexer at a time; the kernel drops the flock when its holder dies (and every
        process it forked has closed the descriptor, see indexer.workers). Waits up to `wait`
        seconds for it. Yields the lock's file descriptor."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not take_flock(fd, wait):
                pid = os.read(fd, 32).decode(errors="replace").strip() or "?"
                raise IndexerBusy(f"another indexer (pid {pid}) is running on {self.root}")
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield fd
        finally:
            os.close(fd)


def take_flock(fd: int, wait: float) -> bool:
    """An exclusive flock, tried every 0.1 s for up to `wait` seconds; False if not had."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)


def _damaged_segments(gen: Path, ix, segments: list, full: bool) -> list:
    """Live segments whose files were cut short (or, if `full`, differ in any byte from when
    they were written), or that do not even open."""
    damaged = {path.name.split(".")[0] for path, _ in damaged_files(gen, segments, full=full)}
    broken = []
    for segment in segments:
        if segment.segment_id() in damaged:
            broken.append(segment)
            continue
        try:
            SegmentReader(ix.storage, ix.schema, segment).close()
        except Exception:  # any damage at all: the segment cannot be served
            broken.append(segment)
    return broken
