"""Each segment's postings as plain arrays of document numbers and weights, for scoring
without decoding Whoosh's blocks.

Whoosh keeps a term's postings in pickled, compressed blocks of ids, weights and values;
for the body a value is each occurrence's position and characters. Scoring needs the ids
and weights alone, yet reading them decodes everything: a block of 128 body postings
unpickles 128 value strings, and decoding was the larger part of scoring the words a
search had not read before. Here a second copy of each term's ids and weights (Whoosh's
float32; both 2 bytes where they fit) lies in a file inside the segment's compound file,
keyed by where the term's postings start in the postings file (its TermInfo's offset):
searchers read them as arrays over the segment's map. Phrases and Whoosh's own matchers
still read the blocks. A segment written before this file existed has none: its blocks
are read as before."""
from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

# The file's extension inside the segment (MAIN_<id>.lean).
EXT = ".lean"
MAGIC = b"NDLEAN01"
# Magic; term and posting counts; the ids' and weights' item types (array codes).
_HEADER = 40
# Ids of a segment of up to this many documents fit 2 bytes; weights that are whole numbers
# below it (term frequencies, with no field boost) too: half the file.
_SHORT = 65_536


class LeanWriter:
    """Collects one segment's postings as write_postings writes them."""

    def __init__(self, doc_count: int) -> None:
        self.doc_count = doc_count
        self.offsets = array("Q")
        self.starts = array("Q", [0])
        self.docs = array("I")
        self.weights = array("f")

    def add(self, offset: int, docs: array, weights: list[float]) -> None:
        """A term whose postings start at `offset` in the postings file."""
        self.offsets.append(offset)
        self.docs.extend(docs)
        self.weights.extend(weights)
        self.starts.append(len(self.docs))

    def write(self, segment, storage) -> None:
        if not self.offsets:
            return
        docs = np.frombuffer(self.docs, dtype=np.uint32)
        if self.doc_count <= _SHORT:
            docs = docs.astype(np.uint16)
        weights = np.frombuffer(self.weights, dtype=np.float32)
        if weights.min() >= 0 and weights.max() < _SHORT and (weights == np.floor(weights)).all():
            weights = weights.astype(np.uint16)
        kinds = (docs.dtype.char + weights.dtype.char).encode().ljust(16, b"\0")
        header = MAGIC + array("Q", [len(self.offsets), len(docs)]).tobytes() + kinds
        with segment.create_file(storage, EXT) as out:
            for part in (header, self.offsets.tobytes(), self.starts.tobytes(), docs.tobytes(), weights.tobytes()):
                out.write(part)


@dataclass
class LeanPostings:
    """A segment's lean postings over the file's bytes. The file lies anywhere inside the
    compound file, so its arrays may be unaligned: the term table is read as memoryviews
    (numpy would copy an unaligned array to search it: 12 µs a term at 10,000 articles),
    a term's postings as arrays made for it."""

    buf: memoryview
    offsets: memoryview
    starts: memoryview
    docs: tuple[np.dtype, int]  # item type, where the ids start
    weights: tuple[np.dtype, int]

    @classmethod
    def parse(cls, buf) -> "LeanPostings":
        buf = memoryview(buf)
        if bytes(buf[:8]) != MAGIC:
            raise ValueError("not a lean postings file")
        terms, postings = buf[8:24].cast("Q")
        id_type, weight_type = (np.dtype(c) for c in bytes(buf[24:26]).decode())
        starts_at = _HEADER + 8 * terms
        docs_at = starts_at + 8 * (terms + 1)
        return cls(buf, buf[_HEADER:starts_at].cast("Q"), buf[starts_at:docs_at].cast("Q"),
                   (id_type, docs_at), (weight_type, docs_at + id_type.itemsize * postings))

    def get(self, offset: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The ids (int64) and weights (float64) of the term whose postings start at
        `offset`; None when the file has no such term."""
        i = bisect_left(self.offsets, offset)
        if i == len(self.offsets) or self.offsets[i] != offset:
            return None
        start, count = self.starts[i], self.starts[i + 1] - self.starts[i]
        (id_type, docs_at), (weight_type, weights_at) = self.docs, self.weights
        docs = np.frombuffer(self.buf, dtype=id_type, count=count, offset=docs_at + id_type.itemsize * start)
        weights = np.frombuffer(self.buf, dtype=weight_type, count=count,
                                offset=weights_at + weight_type.itemsize * start)
        return docs.astype(np.int64), weights.astype(np.float64)


def lean_postings(leaf) -> LeanPostings | None:
    """A segment reader's lean postings, read once per reader; None when its segment has
    none (written before them)."""
    found = getattr(leaf, "_newsdesk_lean", False)
    if found is False:
        found = None
        segment = leaf.segment()
        if segment is not None:
            try:
                f = segment.open_file(leaf.storage(), EXT)
            except (OSError, KeyError, NameError):
                f = None
            if f is not None:
                # Over the segment's map when it is one (indexer.mapped_files), else read whole.
                buf = getattr(f, "_buf", None)
                found = LeanPostings.parse(buf if buf is not None else f.read())
        leaf._newsdesk_lean = found
    return found
