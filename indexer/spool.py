"""The push queue: what the ingest API accepted, durable before it is acknowledged, and applied
by the one indexer.

The server never writes the index. Each accepted request becomes one queue file, written
to a temporary name, fsynced and renamed (with the folder fsynced): once the server answers
202 the request survives a crash of either process. The indexer applies queue files in
order to the pushed folder (one JSON file per article id, indexed like any export file, so
a DELETE is a file removal the file pipeline turns into a deletion), and removes a queue file
only after its changes are on disk. Applying a file twice is harmless. A DELETE of an article
that was not pushed (a file's, a crawled page's) becomes a takedown (indexer.takedowns)."""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .durable import fsync_path
from .store import IndexDir, IndexProblem, write_atomic
from .takedowns import Takedowns, indexed_takedowns

QUEUE_DIR = "queue"
PUSHED_DIR = "pushed"
_sequence = itertools.count()
_sequence_lock = threading.Lock()


@dataclass
class DrainSummary:
    files: int = 0
    put: int = 0
    deleted: int = 0
    taken_down: int = 0  # of the deletions, articles of files or crawled pages
    failures: list[tuple[str, str]] = field(default_factory=list)


def pushed_file(pushed_dir: Path, article_id: str) -> Path:
    digest = hashlib.sha1(article_id.encode()).hexdigest()
    return pushed_dir / digest[:2] / f"{digest}.json"


def enqueue(queue_dir: Path, ops: list[dict]) -> str:
    """Append one request's operations ({"op": "put", "article": {...}} or {"op": "delete",
    "id": ...}) to the queue; returns the queue file's name once it is on disk."""
    queue_dir.mkdir(parents=True, exist_ok=True)
    with _sequence_lock:
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(_sequence):06d}.jsonl"
    data = "".join(json.dumps(op, ensure_ascii=False) + "\n" for op in ops).encode()
    write_atomic(queue_dir / name, data)
    fsync_path(queue_dir)
    return name


def pending(queue_dir: Path) -> list[Path]:
    """Queue files in the order they were accepted."""
    if not queue_dir.is_dir():
        return []
    return sorted(p for p in queue_dir.iterdir() if p.suffix == ".jsonl" and not p.name.startswith("."))


def drain(index_dir: IndexDir,
          on_error: Callable[[str, str], None] = lambda name, reason: None) -> DrainSummary:
    """Apply every queued request to the pushed folder, oldest first. A DELETE of an article
    that came from a file or a crawled page is recorded as its takedown (indexer.takedowns);
    while the index cannot be read to find such articles, the queue waits."""
    root = index_dir.root
    queue_dir, pushed_dir = root / QUEUE_DIR, root / PUSHED_DIR
    summary = DrainSummary()
    requests: list[tuple[Path, list[dict]]] = []
    for path in pending(queue_dir):
        try:
            requests.append((path, [json.loads(line) for line in path.read_text().splitlines() if line.strip()]))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            # Only a foreign or damaged file can fail here: set aside, never lost.
            aside = path.with_name(f".bad-{path.name}")
            path.rename(aside)
            summary.failures.append((str(path), f"unreadable queue file, kept as {aside.name}: {exc}"))
            on_error(str(path), summary.failures[-1][1])
    takedowns = Takedowns.load(root)
    changed = takedowns.forget_missing()
    deletes = [str(op["id"]) for _, ops in requests for op in ops if op.get("op") == "delete"]
    try:
        indexed = indexed_takedowns(index_dir, deletes + list(takedowns.entries) if requests else [])
    except IndexProblem as exc:  # the run that follows repairs the index; the queue waits for it
        summary.failures.append((str(queue_dir), f"not applied yet, the index cannot be read: {exc}"))
        on_error(*summary.failures[-1])
        return summary
    for article_id, taken in list(takedowns.entries.items()):
        now = indexed.pop(article_id, None) if article_id not in deletes else indexed.get(article_id)
        if now is not None and now != taken:  # indexed again with new text: republished
            del takedowns.entries[article_id]
            changed = True
    pushed_prefix = str(pushed_dir) + os.sep
    for path, ops in requests:
        touched: set[Path] = set()
        for op in ops:
            if op.get("op") == "put":
                article = op["article"]
                target = pushed_file(pushed_dir, str(article["id"]))
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target, json.dumps(article, ensure_ascii=False).encode())
                touched.add(target.parent)
                changed |= takedowns.entries.pop(str(article["id"]), None) is not None
                summary.put += 1
            elif op.get("op") == "delete":
                target = pushed_file(pushed_dir, str(op["id"]))
                try:
                    target.unlink()
                    touched.add(target.parent)
                except FileNotFoundError:  # never pushed (or its DELETE applied before)
                    pass
                taken = indexed.get(str(op["id"]))
                if taken is not None and not taken.source.startswith(pushed_prefix):
                    takedowns.entries[taken.id] = taken
                    summary.taken_down += 1
                    changed = True
                summary.deleted += 1
        for folder in touched:
            fsync_path(folder)
        if changed:  # on disk before the request that asked for it is removed
            takedowns.save(root)
            changed = False
        path.unlink()
        fsync_path(queue_dir)
        summary.files += 1
    if changed:
        takedowns.save(root)
    return summary


def remove_abandoned(queue_dir: Path) -> int:
    """Half-written queue files of killed servers (never acknowledged: the 202 follows the
    rename). The writer's pid is in the temporary name; a live writer's file is kept."""
    removed = 0
    for tmp in queue_dir.glob(".*.tmp") if queue_dir.is_dir() else []:
        pid = tmp.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
