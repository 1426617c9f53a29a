"""The push queue: what the ingest API accepted, durable before it is acknowledged, and applied
by the one indexer.

The server never writes the index. Each accepted request becomes one queue file, written
to a temporary name, fsynced and renamed (with the folder fsynced): once the server answers
202 the request survives a crash of either process. The indexer applies queue files in
order to the pushed folder (one JSON file per article id, indexed like any export file, so
a DELETE is a file removal the file pipeline turns into a deletion), and removes a queue file
only after its changes are on disk. Applying a file twice is harmless."""
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
from .store import write_atomic

QUEUE_DIR = "queue"
PUSHED_DIR = "pushed"
_sequence = itertools.count()
_sequence_lock = threading.Lock()


@dataclass
class DrainSummary:
    files: int = 0
    put: int = 0
    deleted: int = 0
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


def drain(queue_dir: Path, pushed_dir: Path,
          on_error: Callable[[str, str], None] = lambda name, reason: None) -> DrainSummary:
    """Apply every queued request to the pushed folder, oldest first."""
    summary = DrainSummary()
    for path in pending(queue_dir):
        try:
            ops = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            # Only a foreign or damaged file can fail here: set aside, never lost.
            aside = path.with_name(f".bad-{path.name}")
            path.rename(aside)
            summary.failures.append((str(path), f"unreadable queue file, kept as {aside.name}: {exc}"))
            on_error(str(path), summary.failures[-1][1])
            continue
        touched: set[Path] = set()
        for op in ops:
            if op.get("op") == "put":
                article = op["article"]
                target = pushed_file(pushed_dir, str(article["id"]))
                target.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(target, json.dumps(article, ensure_ascii=False).encode())
                summary.put += 1
            elif op.get("op") == "delete":
                target = pushed_file(pushed_dir, str(op["id"]))
                target.unlink(missing_ok=True)
                summary.deleted += 1
            else:
                continue
            touched.add(target.parent)
        for folder in touched:
            fsync_path(folder)
        path.unlink()
        fsync_path(queue_dir)
        summary.files += 1
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
