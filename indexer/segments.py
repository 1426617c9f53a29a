"""New and merged segments written by worker processes, so a commit uses every core.

Profiling a 10,000-article build showed the single writer process spending all its time in
Whoosh: 47% analysing and pooling postings, 53% writing them out at commit. At 100,000
articles Whoosh's MERGE_SMALL policy added merges in that same process: 204 of 350 s. Both
are per segment, so a commit's articles are split between workers that each write a whole
segment, and the merge a commit calls for runs in a worker beside them; the parent's
DurableWriter only deletes the articles being replaced and names the new segments in its
synced TOC. This is Whoosh's own MpWriter(multisegment=True) design, run on a
ProcessPoolExecutor because MpWriter's queue-fed processes outlive a killed parent and
cannot report a crashed child.

Uses SegmentWriter internals (`_finalize_segment`) exactly as whoosh.multiproc does;
whoosh-reloaded is pinned to 2.7.5."""
from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from itertools import accumulate
from pathlib import Path
from typing import Callable

from whoosh.reading import SegmentReader

from .article import Article
from .documents import article_document
from .durable import open_last_good
from .wordlists import WordListWriter

# Below this many articles a second process costs more than it saves.
MIN_PER_WORKER = 250
# Size tiers for merging: a tier holds segments of TIER_BASE·F^k to TIER_BASE·F^(k+1) live
# articles, and F segments of one tier are merged into one of the next. Only the small
# tiers merge (the segments of incremental updates): a Whoosh merge costs as much as
# indexing the articles afresh (8,000 articles: 18.8 s to merge, one core), so bulk runs
# write large segments (BATCH_ARTICLES) that are never merged again, only rewritten when
# a fifth of them is deleted.
TIER_BASE = 100
TIER_FACTOR = 8
MAX_MERGED_TIER = 1  # tiers 0 and 1: segments under 6,400 articles
# A segment with this share of deleted articles is rewritten at the next commit: updates
# otherwise leave replaced articles on disk until its tier fills.
EXPUNGE_RATIO = 0.2


def _new_writer(gen_dir: str, limitmb: int) -> tuple[object, WordListWriter]:
    # Whole files: merges read every byte of their segments, 20% faster than plain reads.
    ix = open_last_good(Path(gen_dir), whole_files=True)
    # No lock: the parent holds the index's write lock for the whole commit. No _finish():
    # it would destroy the temporary folder the other workers are still using.
    return ix, WordListWriter(ix, _lk=False, limitmb=limitmb)


def write_segment(gen_dir: str, items: list[tuple[Article, str]], limitmb: int) -> object:
    """Runs in a worker: one finished, unreferenced segment holding the (article, source)
    `items`.

    Until a TOC names it the segment is invisible, and removed as a leftover by the next
    writer if the run dies first."""
    _, writer = _new_writer(gen_dir, limitmb)
    for article, source in items:
        writer.add_document(**article_document(article, source))
    return writer._finalize_segment()


def merge_segments(gen_dir: str, segments: list, limitmb: int) -> object | None:
    """Runs in a worker: the live articles of `segments` (deletions as the parent left them)
    as one new segment, or None when none is live."""
    ix, writer = _new_writer(gen_dir, limitmb)
    for segment in segments:
        reader = SegmentReader(ix.storage, ix.schema, segment)
        writer.add_reader(reader)
        reader.close()
    if writer.docnum == 0:
        writer._close_segment()
        return None
    return writer._finalize_segment()


def merge_plan(segments: list) -> list:
    """The segments this commit should merge: every full tier, and any segment over
    EXPUNGE_RATIO deleted."""
    tiers: dict[int, list] = defaultdict(list)
    chosen = []
    for segment in segments:
        total = segment.doc_count_all()
        if total and segment.deleted_count() / total >= EXPUNGE_RATIO:
            chosen.append(segment)
            continue
        live = max(1, segment.doc_count())
        tiers[max(0, int(math.log(live / TIER_BASE, TIER_FACTOR)))].append(segment)
    for number, tier in tiers.items():
        if number <= MAX_MERGED_TIER and len(tier) >= TIER_FACTOR:
            chosen.extend(tier)
    return chosen


def keep_unmerged(merged: list) -> Callable:
    """A Whoosh merge policy that merges nothing itself and drops the segments merged
    elsewhere from the commit."""
    merged_ids = {s.segment_id() for s in merged}
    return lambda writer, segments: [s for s in segments if s.segment_id() not in merged_ids]


def text_size(item: tuple[Article, str]) -> int:
    """What a document costs its segment's writer: its text (a segment of 10,000 Reuters and
    BBC articles with 44% more text than another took 61% more CPU to write)."""
    return len(item[0].headline) + len(item[0].body)


def split(docs: list, workers: int, weight: Callable[[object], int] = lambda doc: 1) -> list[list]:
    """Contiguous parts of near-equal total `weight`, none smaller than MIN_PER_WORKER (one part
    if too few): the commit waits for the slowest worker, and a batch's articles can differ
    threefold in length (BBC beside Reuters wires)."""
    if not docs:
        return []
    parts = max(1, min(workers, len(docs) // MIN_PER_WORKER))
    done = list(accumulate(weight(doc) for doc in docs))
    bounds = [0]
    for k in range(1, parts):
        cut = bisect_left(done, done[-1] * k / parts) + 1
        bounds.append(max(bounds[-1] + MIN_PER_WORKER, min(cut, len(docs) - (parts - k) * MIN_PER_WORKER)))
    bounds.append(len(docs))
    return [docs[a:b] for a, b in zip(bounds, bounds[1:])]


def write_segments(pool: Callable[[], ProcessPoolExecutor], gen_dir: Path, parts: list[list[tuple[Article, str]]],
                   merging: list, limitmb: int) -> list[object]:
    """The finished segments of `parts` and of merging `merging`, written in parallel."""
    jobs = len(parts) + bool(merging)
    if not jobs:
        return []
    executor = pool()
    futures = [executor.submit(write_segment, str(gen_dir), part, limitmb // jobs) for part in parts]
    if merging:
        futures.append(executor.submit(merge_segments, str(gen_dir), merging, limitmb // jobs))
    return [segment for segment in (f.result() for f in futures) if segment is not None]
