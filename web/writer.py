"""The push writer of `newsdesk serve --ingest-token-file`: a thread that commits what the
ingest API queued, so a pushed article is searchable without a separate indexer.

It takes the ingest and index locks for each pass and lets go after it: when another
indexer holds either (`newsdesk index --watch` during a pass, a cron run), the pass is
skipped and that indexer applies the queue (every `newsdesk index` run does, holding the
ingest lock for its whole pass). A kill at any moment loses
nothing: the queue and the pushed folder are durable, and the next writer — this thread
after a restart, or any `newsdesk index` — applies what is left. Only one process of a
server may run it: `start_writer` is called once, by the process that owns the server."""
from __future__ import annotations

import threading
import time
from typing import Callable

from indexer.remote import ingest_lock, pushed_dir, queue_dir, remove_leftovers
from indexer.spool import drain, pending
from indexer.store import IndexDir, IndexerBusy, IndexProblem
from indexer.writing import Summary, update_index

# How often the queue folder is looked at (a directory listing); a push waits at most this
# long before its commit starts.
POLL_SECONDS = 0.25


def write_pushes(ix_dir: IndexDir, on_error: Callable[[str, str], None],
                 with_entities: bool = True, tidy: bool = False) -> Summary | None:
    """One pass: apply the queue and commit the pushed folder (and takedowns). None when
    another indexer holds a lock: the work is left to it. `tidy` first removes what killed
    writers left half-written."""
    root = ix_dir.root
    try:
        with ingest_lock(root):
            if tidy:
                remove_leftovers(root)
            drain(ix_dir, on_error=on_error)
            # In this process (one worker): forking parse workers from a threaded server is
            # not safe, and a push is a few articles.
            pushed = pushed_dir(root)
            # Only the pushed folder: the crawl mirror is its crawler's to index.
            return update_index([pushed] if pushed.is_dir() else [], ix_dir, workers=1,
                                with_entities=with_entities, on_error=on_error)
    except IndexerBusy:
        return None


def start_writer(ix_dir: IndexDir, report: Callable[[str], None],
                 with_entities: bool = True) -> None:
    """Start the writer thread (a daemon: it ends with the server, mid-pass if need be —
    that is as safe as a kill)."""

    def run() -> None:
        if with_entities:
            from indexer.entities import load

            load()  # before the first push, not during it
        queue = queue_dir(ix_dir.root)
        # At start there may be pushes a killed writer applied to the pushed folder but did
        # not commit: the first pass runs whatever the queue holds.
        dirty = first = True
        while True:
            if dirty or pending(queue):
                try:
                    summary = write_pushes(ix_dir, lambda what, reason: report(f"error: {what}: {reason}"),
                                           with_entities, tidy=first)
                except Exception as exc:  # a full disk, a damaged index: the thread must live on
                    report(f"error: push writer: {exc if isinstance(exc, IndexProblem) else repr(exc)}")
                    summary = None
                    time.sleep(5.0)  # tried again, not in a tight loop
                dirty = summary is None
                first = first and dirty
                if summary is not None and summary.changed:
                    report(f"[{time.strftime('%H:%M:%S')}] pushed: added {summary.added}, updated "
                           f"{summary.updated}, deleted {summary.deleted} files, {summary.taken_down} "
                           f"taken down; {summary.articles} articles indexed in {summary.seconds:.1f}s")
            time.sleep(POLL_SECONDS)

    threading.Thread(target=run, name="newsdesk-push-writer", daemon=True).start()
