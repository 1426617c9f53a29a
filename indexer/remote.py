"""Articles that arrive over HTTP — crawled from sitemaps and feeds, or pushed to the ingest
API — as folders inside the index directory that the file pipeline indexes.

Layout of the index directory (beside the generations and their manifests):
    crawl/pages/HOST/SHA1.html    mirrored pages      crawl/fetch-state.json(l)  validators
    queue/*.jsonl                 accepted pushes     pushed/XX/SHA1.json      one per article id
    ingest.lock                   flock of whoever moves things into crawl/ and pushed/
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .crawl import PAGES_DIR
from .spool import PUSHED_DIR, QUEUE_DIR, remove_abandoned
from .store import IndexerBusy, take_flock

CRAWL_DIR = "crawl"
LOCK_FILE = "ingest.lock"


def crawl_dir(index_root: Path) -> Path:
    return index_root / CRAWL_DIR


def queue_dir(index_root: Path) -> Path:
    return index_root / QUEUE_DIR


def pushed_dir(index_root: Path) -> Path:
    return index_root / PUSHED_DIR


def mirror_paths(index_root: Path) -> list[Path]:
    """The folders to index beside the user's own paths (those that exist)."""
    return [p for p in (crawl_dir(index_root) / PAGES_DIR, pushed_dir(index_root)) if p.is_dir()]


@contextmanager
def ingest_lock(index_root: Path, wait: float = 0.0) -> Iterator[None]:
    """One process at a time moves crawled and pushed articles into the mirror folders
    (waiting up to `wait` seconds for its turn)."""
    index_root.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not take_flock(fd, wait):
            raise IndexerBusy(f"another indexer is crawling or applying pushes in {index_root}")
        yield
    finally:
        os.close(fd)


def remove_leftovers(index_root: Path) -> int:
    """Temporary files of writes that a kill interrupted, in the folders only the ingest
    lock's holder writes (a queue file being written by a live server is left alone)."""
    removed = 0
    for folder in (crawl_dir(index_root), pushed_dir(index_root)):
        if folder.is_dir():
            for tmp in folder.rglob(".*.tmp"):
                tmp.unlink(missing_ok=True)
                removed += 1
    return removed + remove_abandoned(queue_dir(index_root))
