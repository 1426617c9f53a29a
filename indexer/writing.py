"""Incremental indexing: find what changed, parse it in worker processes, commit in batches.

A batch's articles, the deletions of their files' old articles and the manifest entries of
those files become visible together: the manifest is saved right after the commit."""
from __future__ import annotations

import errno
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from whoosh.reading import TermNotFound

from . import entities
from .article import Article
from .documents import article_document
from .errors import ParseError
from .manifest import FileState, Manifest
from .parse import ParsedFile, parse_file, printable
from .durable import DurableWriter
from .ids import IdClaims
from .segments import keep_unmerged, merge_plan, split, text_size, write_segments
from .sources import Source, scan
from .takedowns import Takedown, Takedowns
from .store import IndexDamaged, IndexDir, IndexProblem
from .workers import Pools, retry_on_worker_death, run_all

# Articles per commit: a bulk run's segments (one per worker) are never merged again, so
# they are made large; a killed run loses at most this many articles' work.
BATCH_ARTICLES = 20_000
# Posting-pool memory of one commit, shared among the processes writing its segments.
WRITER_MB = 256
# Files parsed ahead of the writer, per worker.
PARSE_AHEAD = 2
# Tries of a commit's segment writing when a worker writing them dies.
SEGMENT_ATTEMPTS = 3
WORKER_DIED = "the worker process parsing it died twice (killed, or out of memory)"
# Free space a commit needs per byte of the files it parses: Whoosh pools postings in
# temporary files, writes the segment's files, then copies them into one compound file.
SPACE_PER_SOURCE_BYTE = 3


@dataclass
class Summary:
    added: int = 0
    updated: int = 0
    deleted: int = 0
    taken_down: int = 0  # articles deleted because a CMS took them down (indexer.takedowns)
    unchanged: int = 0
    failed: int = 0
    articles: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    stopped: bool = False
    # Every (file, problem) reported: files refused, bad lines, files that could not be read.
    failures: list[tuple[str, str]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted + self.taken_down


def _parse_job(path: str, root: str, with_entities: bool) -> ParsedFile | str:
    """Runs in a worker process; a refusal comes back as its reason."""
    try:
        return parse_file(Path(path), Path(root), with_entities=with_entities)
    except ParseError as exc:
        return str(exc)
    except Exception as exc:  # a parser's bug on one file (as in a worker) never stops the run
        return f"parser crashed: {type(exc).__name__}: {exc}"


class _Batch:
    """Articles waiting for the next commit, deduplicated by id (Whoosh cannot see a
    document added earlier in the same writer, so two updates of one id would both stay)."""

    def __init__(self) -> None:
        self.articles: dict[str, tuple[Article, str]] = {}
        self.sources: dict[str, FileState] = {}
        self.deleted_sources: list[str] = []
        self.taken_down: list[Takedown] = []

    def __len__(self) -> int:
        return len(self.articles) + len(self.deleted_sources) + len(self.taken_down)


def update_index(
    paths: list[Path],
    index_dir: IndexDir,
    *,
    rebuild: bool = False,
    dry_run: bool = False,
    with_entities: bool = True,
    workers: int | None = None,
    batch_articles: int = BATCH_ARTICLES,
    on_error: Callable[[str, str], None] = lambda path, reason: None,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
    should_stop: Callable[[], bool] = lambda: False,
    follow_symlinks: bool = False,
    verify: bool = False,
    lock_wait: float = 0.0,
) -> Summary:
    """Bring the index in line with the files under `paths`.

    `should_stop` is asked after each parsed file: when it says yes what is parsed is
    committed and the run ends there; the other files are picked up by the next run.
    `verify` hashes every segment file, so that damage `check` found is repaired too (an
    ordinary run compares sizes only: hashing a large index on every update costs seconds).
    The index's lock is waited for up to `lock_wait` seconds, then IndexerBusy is raised."""
    started = time.monotonic()
    summary = Summary(dry_run=dry_run)

    def report(path: str, reason: str) -> None:
        summary.failures.append((path, reason))
        on_error(path, reason)
    workers = workers or os.cpu_count() or 1
    space = _Space()
    with index_dir.writer_lock(lock_wait) as lock_fd, _disk_full_is_a_message(index_dir, space):
        recovered = None if dry_run else index_dir.recover_current()
        if recovered:
            summary.repaired.append(recovered)
        live = index_dir.current()
        if live is not None and not rebuild and not dry_run:
            try:
                index_dir.open_generation(live).close()
            except IndexDamaged as exc:
                summary.repaired.append(f"{exc} (doing so now)")
                rebuild = True
        if live is not None and not rebuild:
            index_dir.check_version(live)
        if not dry_run:
            index_dir.remove_stale_generations()  # what killed rebuilds left behind
        gen = None if dry_run else (index_dir.new_generation() if rebuild or live is None else live)
        # An empty generation holds only what this run commits: nothing needs looking up to
        # be replaced but the ids this run already committed.
        fresh = gen is not None and (rebuild or live is None)
        committed_ids: set[str] = set()
        if gen is not None and live is None:
            # A first build has nothing to protect: going live at once lets each batch commit
            # count, so a killed first run keeps what it committed.
            index_dir.activate(gen)
            live = gen
        dropped = False
        if gen is not None:
            repairs = index_dir.clean_leftovers(gen, verify=verify)
            summary.repaired += repairs
            # Which files the dropped articles came from is in the lost segment: parse all.
            dropped = any(r.startswith("dropped damaged") for r in repairs)
        manifest = Manifest() if rebuild or live is None or dropped else Manifest.load(live)
        # Files with live articles that the manifest does not list: a run killed between its
        # commit and the manifest's save, or a manifest set aside below.
        unlisted: set[str] = set()
        if live is not None and not rebuild:
            ix_live = index_dir.open_generation(live)
            if manifest.generation > ix_live.latest_generation():
                # The manifest describes a commit the index no longer has (a damaged TOC was
                # set aside): trust the index, and parse every file again.
                manifest = Manifest()
            with ix_live.searcher() as s:
                unlisted = {key for key in s.reader().field_terms("source")
                            if key not in manifest.files and s.document_number(source=key) is not None}

        changes = scan(paths, manifest, unlisted, follow_symlinks)
        for path, reason in changes.problems:
            report(path, reason)
        todo, gone = changes.todo, changes.gone
        # A rebuild writes a whole index beside the live one.
        space.need = SPACE_PER_SOURCE_BYTE * sum(src.size for src, _ in todo) + (
            sum(p.stat().st_size for p in live.iterdir() if p.is_file()) if rebuild and live else 0)
        summary.unchanged = changes.unchanged
        summary.deleted = len(gone)

        if dry_run:
            summary.added = sum(1 for s, _ in todo if s.key not in manifest.files)
            summary.updated = len(todo) - summary.added
            summary.seconds = time.monotonic() - started
            return summary

        assert gen is not None
        ix = index_dir.open_generation(gen)
        batch = _Batch()
        batch.deleted_sources = gone
        takedowns = Takedowns.load(index_dir.root)
        if not fresh:
            batch.taken_down = _taken_down(ix, takedowns)
        # A fresh generation holds only this run's articles, whose ids are claimed as they come.
        claims = IdClaims(None if fresh else ix, gone + [src.key for src, _ in todo])

        def commit() -> None:
            items = list(batch.articles.values())
            parts = split(items, workers, text_size)
            in_workers = len(parts) > 1
            writer = DurableWriter(ix, timeout=30.0, limitmb=WRITER_MB)
            try:
                for key in batch.deleted_sources:
                    writer.delete_by_term("source", key)
                for taken in batch.taken_down:
                    writer.delete_by_term("id", taken.id)
                for key, state in batch.sources.items():
                    # A file that now fails to parse keeps its last good articles. (A run
                    # parses each file once: in a fresh generation it has no articles yet.)
                    if state.error is None and not fresh:
                        writer.delete_by_term("source", key)
                for article, key in items:
                    replaces = not fresh or article.id in committed_ids
                    if in_workers:
                        if replaces:  # what update_document deletes: an id that moved files
                            writer.delete_by_term("id", article.id)
                    elif replaces:
                        writer.update_document(**article_document(article, key))
                    else:
                        writer.add_document(**article_document(article, key))
                # Planned after the deletions, which the merging worker sees in the segments.
                merging = merge_plan(writer.segments)
                writer.add_segments(retry_on_worker_death(pools, SEGMENT_ATTEMPTS, lambda: write_segments(
                    pools.segments, gen, parts if in_workers else [], merging, WRITER_MB)))
            except BaseException:
                writer.cancel()
                raise
            try:
                writer.commit(mergetype=keep_unmerged(merging))
            except BaseException:
                if not writer.is_closed:
                    writer._finish()  # Whoosh's lock and temporary files, for the next commit
                raise
            if fresh:
                committed_ids.update(article.id for article, _ in items)
            for key in batch.deleted_sources:
                manifest.files.pop(key, None)
            # What the commit holds, counted from it, not what was parsed: the manifest never
            # claims an article the index lacks, and the run reports only visible articles.
            visible = _live_counts(ix, list(batch.sources) + [t.source for t in batch.taken_down])
            for key, state in batch.sources.items():
                state.articles = visible[key]
                if state.error is None:
                    summary.articles += state.articles
                manifest.files[key] = state
            for taken in batch.taken_down:
                if taken.source in manifest.files and taken.source not in batch.sources:
                    manifest.files[taken.source].articles = visible[taken.source]
            summary.taken_down += len(batch.taken_down)
            manifest.generation = ix.latest_generation()
            manifest.save(gen)
            claims.committed()

        def parsed(src: Source, sha1: str, result: ParsedFile | str) -> None:
            shown = printable(src.path.as_posix())
            state = FileState(sha1, src.size, src.mtime_ns)
            if isinstance(result, str):
                summary.failed += 1
                report(shown, result)
                state.error = result
            else:
                result.articles, duplicates = claims.claim(result.articles, src)
                result.articles = [a for a in result.articles
                                   if not takedowns.covers(a.id, src.key, a.headline, a.body)]
                for problem in result.errors + duplicates:
                    report(shown, problem)
                for article in result.articles:
                    batch.articles[article.id] = (article, src.key)
                state.articles = len(result.articles)
                if src.key in manifest.files:
                    summary.updated += 1
                else:
                    summary.added += 1
            batch.sources[src.key] = state

        with Pools(workers, (lock_fd,)) as pools:
            for src, sha1, result in _parse_all(todo, with_entities, pools, on_progress, on_error):
                parsed(src, sha1, result)
                if should_stop():  # what is parsed is committed, the rest left for the next run
                    commit()
                    summary.stopped = True
                    break
                if len(batch) >= batch_articles:
                    commit()
                    batch = _Batch()
            if not summary.stopped and (batch.sources or batch.deleted_sources or batch.taken_down
                                        or gen != live):
                commit()
        claims.close()
        if gen != live and not summary.stopped:  # a stopped rebuild never goes live
            index_dir.activate(gen)
        ix.close()
    summary.seconds = time.monotonic() - started
    return summary


@dataclass
class _Space:
    """What a run found it needs on disk, for the message when the disk is full."""

    need: int = 0


@contextmanager
def _disk_full_is_a_message(index_dir: IndexDir, space: _Space) -> Iterator[None]:
    """A full disk anywhere in a run: what the failed commit wrote is removed (the index stays
    as of its last commit) and one line says how much room the run needs."""
    try:
        yield
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        index_dir.remove_stale_generations()  # a rebuild's generation, never live
        live = index_dir.current()
        if live is not None:
            index_dir.clean_leftovers(live)
        free = shutil.disk_usage(index_dir.root).free
        raise IndexProblem(f"disk full writing {index_dir.root} ({free / 1e6:.0f} MB free): the index "
                           f"is as of its last commit; this run needs about {max(1, round(space.need / 1e6))} "
                           "MB free: free some space and run again") from None


def _taken_down(ix, takedowns: Takedowns) -> list[Takedown]:
    """The takedowns whose article the index still holds, as it was taken down."""
    found = []
    with ix.searcher() as searcher:
        for taken in takedowns.entries.values():
            stored = searcher.document(id=taken.id)
            if stored is not None and takedowns.covers(taken.id, stored.get("source"),
                                                       stored.get("headline"), stored.get("body")):
                found.append(taken)
    return found


def _live_counts(ix, keys: list[str]) -> dict[str, int]:
    """Live articles per source in the newest commit."""
    counts = {}
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for key in keys:
            try:
                counts[key] = sum(1 for _ in reader.postings("source", key).all_ids())
            except TermNotFound:
                counts[key] = 0
    return counts


def _parse_all(todo: list[tuple[Source, str]], with_entities: bool, pools: Pools,
               on_progress: Callable[[int, int], None],
               on_error: Callable[[str, str], None]) -> Iterator[tuple[Source, str, ParsedFile | str]]:
    """Parsed files in the order given. At most a few files are parsed ahead of the writer,
    so memory stays flat however large the run."""
    total = len(todo)
    if pools.workers == 1 or total <= 2:
        for done, (src, sha1) in enumerate(todo, 1):
            yield src, sha1, _parse_job(str(src.path), str(src.root), with_entities)
            on_progress(done, total)
        return

    if with_entities:
        entities.load()  # before the workers fork: they share one copy instead of each loading it

    def job(entry: tuple[Source, str]) -> tuple:
        return _parse_job, str(entry[0].path), str(entry[0].root), with_entities

    def worker_died(entries: list[tuple[Source, str]]) -> None:
        on_error(", ".join(src.path.as_posix() for src, _ in entries),
                 "a worker process died (killed, or out of memory) while parsing these; "
                 "parsing them again one at a time")

    results = run_all(todo, job, pools, PARSE_AHEAD, lambda entry: WORKER_DIED, worker_died)
    for done, ((src, sha1), result) in enumerate(results, 1):
        yield src, sha1, result
        on_progress(done, total)
