"""New segments written by worker processes, so a commit's analysis and posting writes use
every core.

Profiling a 10,000-article build showed the single writer process spending all its time in
Whoosh: 47% analysing and pooling postings, 53% writing them out at commit. Both halves
are per segment, so a batch is split between workers that each write a whole segment;
the parent's DurableWriter only deletes the articles being replaced and names the new
segments in its synced TOC. This is Whoosh's own MpWriter(multisegment=True) design,
run on a ProcessPoolExecutor because MpWriter's queue-fed processes outlive a killed
parent and cannot report a crashed child.

Uses SegmentWriter internals (`_finalize_segment`) exactly as whoosh.multiproc does;
whoosh-reloaded is pinned to 2.7.5."""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from whoosh.writing import SegmentWriter

from .durable import open_last_good

# Below this many articles a second process costs more than it saves.
MIN_PER_WORKER = 250


def write_segment(gen_dir: str, docs: list[dict], limitmb: int) -> object:
    """Runs in a worker: one finished, unreferenced segment holding `docs`.

    Until a TOC names it the segment is invisible, and removed as a leftover by the next
    writer if the run dies first."""
    ix = open_last_good(Path(gen_dir))
    # No lock: the parent holds the index's write lock for the whole commit. No _finish():
    # it would destroy the temporary folder the other workers are still using.
    writer = SegmentWriter(ix, _lk=False, limitmb=limitmb)
    for doc in docs:
        writer.add_document(**doc)
    return writer._finalize_segment()


def split(docs: list[dict], workers: int) -> list[list[dict]]:
    """Contiguous, near-equal parts, none smaller than MIN_PER_WORKER (one part if too few)."""
    parts = max(1, min(workers, len(docs) // MIN_PER_WORKER))
    size = -(-len(docs) // parts) if docs else 0
    return [docs[i:i + size] for i in range(0, len(docs), size)] if docs else []


def write_segments(pool: ProcessPoolExecutor, gen_dir: Path, parts: list[list[dict]],
                   limitmb: int) -> list[object]:
    futures = [pool.submit(write_segment, str(gen_dir), part, limitmb) for part in parts]
    return [f.result() for f in futures]
