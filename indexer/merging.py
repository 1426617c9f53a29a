"""`newsdesk index --merge`: the bulk segments of a large index merged into a few big ones,
off the commit path.

A bulk run writes one segment per worker and commit, never merged again by commits (a merge
costs as much as indexing its articles afresh, see indexer.segments); at a million articles
that is a hundred segments, and every query pays for each. This merges them in the
background, with every commit's kill-safety: workers write the merged segments, invisible
until a synced TOC names them in place of their sources, and the TOC before stays on disk.
A kill at any moment leaves the index as of its last commit (the next writer removes the
unnamed files), and a server keeps answering from whichever commit it reads."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

from .durable import DurableWriter
from .segments import keep_unmerged, merge_segments
from .store import IndexDir, NoIndex
from .workers import Pools, retry_on_worker_death

# Live articles a merged segment holds at most: a round of merges (one group per worker)
# is committed on its own, so a killed merge loses at most one round's work.
MERGED_ARTICLES = 250_000
# Posting-pool memory of a round, shared among its workers.
MERGE_MB = 256
MERGE_ATTEMPTS = 3


@dataclass
class MergeSummary:
    segments_before: int = 0
    segments_after: int = 0
    articles: int = 0
    seconds: float = 0.0
    stopped: bool = False
    repaired: list[str] = field(default_factory=list)


def merge_groups(segments: list, workers: int, limit: int = MERGED_ARTICLES) -> list[list]:
    """Segments to merge, as groups that each become one segment: as many groups as the
    workers, or more if `limit` needs them, contiguous in index order, of near-equal live
    articles. An index already that few segments has nothing to merge but a segment's
    deleted articles (its group of one rewrites it without them)."""
    live = sum(s.doc_count() for s in segments)
    count = min(len(segments), max(workers, math.ceil(live / limit)))
    share = live / max(1, count)
    groups: list[list] = [[]]
    filled = 0
    for segment in segments:
        if groups[-1] and filled + segment.doc_count() / 2 > share * len(groups) and len(groups) < count:
            groups.append([])
        groups[-1].append(segment)
        filled += segment.doc_count()
    return [g for g in groups if g and (len(g) > 1 or g[0].has_deletions())]


def merge_index(index_dir: IndexDir, *, workers: int, should_stop: Callable[[], bool] = lambda: False,
                limit: int = MERGED_ARTICLES) -> MergeSummary:
    """Merge the live index's segments (see merge_groups), one committed round per `workers`
    groups; `should_stop` is asked between rounds."""
    started = time.monotonic()
    summary = MergeSummary()
    with index_dir.writer_lock() as lock_fd:
        summary.repaired += filter(None, [index_dir.recover_current()])
        gen = index_dir.current()
        if gen is None:
            raise NoIndex(f"no index at {index_dir.root}: run newsdesk index PATH... first")
        index_dir.check_version(gen)
        summary.repaired += index_dir.clean_leftovers(gen)
        ix = index_dir.open_generation(gen)
        summary.segments_before = summary.segments_after = len(ix._read_toc().segments)
        with Pools(workers, (lock_fd,)) as pools:
            while not should_stop():
                groups = merge_groups(ix._read_toc().segments, workers, limit)[:workers]
                if not groups:
                    break
                writer = DurableWriter(ix, timeout=30.0)
                try:
                    merged = retry_on_worker_death(pools, MERGE_ATTEMPTS, lambda: _merge_round(
                        pools, str(gen), groups))
                    writer.add_segments(merged)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit(mergetype=keep_unmerged([s for group in groups for s in group]))
                summary.articles += sum(s.doc_count() for group in groups for s in group)
                summary.segments_after = len(ix._read_toc().segments)
            summary.stopped = should_stop()
        ix.close()
    summary.seconds = time.monotonic() - started
    return summary


def _merge_round(pools: Pools, gen_dir: str, groups: list[list]) -> list:
    executor = pools.segments()
    futures = [executor.submit(merge_segments, gen_dir, group, MERGE_MB // len(groups)) for group in groups]
    return [segment for segment in (f.result() for f in futures) if segment is not None]
