"""Each segment's postings as plain arrays of document numbers, weights and positions, for
scoring and phrases without decoding Whoosh's blocks.

Whoosh keeps a term's postings in pickled, compressed blocks of ids, weights and values;
for the body a value is each occurrence's position and characters. Scoring needs the ids
and weights alone, yet reading them decodes everything: a block of 128 body postings
unpickles 128 value strings, and decoding was the larger part of scoring the words a
search had not read before; a phrase decoded the blocks of each of its words again for
their positions. Here a second copy of each term's ids, weights (Whoosh's float32; both
2 bytes where they fit) and positions lies in a file inside the segment's compound file,
keyed by where the term's postings start in the postings file (its TermInfo's offset):
searchers read them as arrays over the segment's map. Whoosh's own matchers still read
the blocks. A segment written before this file existed has none, one written before it
held positions (NDLEAN01) has no positions: its blocks are read for what is missing."""
from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable

import numpy as np

# The file's extension inside the segment (MAIN_<id>.lean).
EXT = ".lean"
MAGIC = b"NDLEAN02"
IDS_ONLY = b"NDLEAN01"  # ids and weights, no positions
# Magic; term, posting and position counts; the item types (array codes) of the ids,
# the weights, where each posting's positions start, the positions.
_HEADER = 48
_HEADER_IDS_ONLY = 40
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
        self.position_starts = array("Q", [0])
        self.positions = array("Q")

    def add(self, offset: int, docs: array, weights: list[float],
            positions: Iterable[list[int]] | None = None) -> None:
        """A term whose postings start at `offset` in the postings file; `positions`, each
        posting's in turn, when its field has them."""
        self.offsets.append(offset)
        self.docs.extend(docs)
        self.weights.extend(weights)
        self.starts.append(len(self.docs))
        starts, held = self.position_starts, self.positions
        if positions is None:
            starts.extend([len(held)] * len(docs))
            return
        for found in positions:
            held.extend(found)
            starts.append(len(held))

    def write(self, segment, storage) -> None:
        if not self.offsets:
            return
        docs = _narrow(np.frombuffer(self.docs, dtype=np.uint32), self.doc_count)
        weights = np.frombuffer(self.weights, dtype=np.float32)
        if weights.min() >= 0 and weights.max() < _SHORT and (weights == np.floor(weights)).all():
            weights = weights.astype(np.uint16)
        positions = np.frombuffer(self.positions, dtype=np.uint64)
        positions = _narrow(positions, int(positions.max()) + 1 if len(positions) else 0)
        starts = _narrow(np.frombuffer(self.position_starts, dtype=np.uint64), len(positions) + 1)
        kinds = (docs.dtype.char + weights.dtype.char + starts.dtype.char + positions.dtype.char).encode()
        header = (MAGIC + array("Q", [len(self.offsets), len(docs), len(positions)]).tobytes()
                  + kinds.ljust(16, b"\0"))
        with segment.create_file(storage, EXT) as out:
            for part in (header, self.offsets.tobytes(), self.starts.tobytes(), docs.tobytes(),
                         weights.tobytes(), starts.tobytes(), positions.tobytes()):
                out.write(part)


def _narrow(values: np.ndarray, below: int) -> np.ndarray:
    """Values all less than `below` as 2-byte or 4-byte numbers when they fit."""
    for kind in (np.uint16, np.uint32):
        if below <= np.iinfo(kind).max + 1:
            return values.astype(kind)
    return values


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
    # Where each posting's positions start (one more: where the last ends), and every
    # posting's positions, one after another; None in a file without positions.
    position_starts: tuple[np.dtype, int] | None
    positions: np.ndarray | None

    @classmethod
    def parse(cls, buf) -> "LeanPostings":
        buf = memoryview(buf)
        magic = bytes(buf[:8])
        if magic not in (MAGIC, IDS_ONLY):
            raise ValueError("not a lean postings file")
        if magic == IDS_ONLY:
            (terms, postings), position_count, header = buf[8:24].cast("Q"), 0, _HEADER_IDS_ONLY
        else:
            (terms, postings, position_count), header = buf[8:32].cast("Q"), _HEADER
        types = [np.dtype(c) for c in bytes(buf[header - 16:header]).rstrip(b"\0").decode()]
        starts_at = header + 8 * terms
        docs_at = starts_at + 8 * (terms + 1)
        weights_at = docs_at + types[0].itemsize * postings
        position_starts = positions = None
        if magic == MAGIC:
            position_starts = (types[2], weights_at + types[1].itemsize * postings)
            positions = np.frombuffer(buf, dtype=types[3], count=position_count,
                                      offset=position_starts[1] + types[2].itemsize * (postings + 1))
        return cls(buf, buf[header:starts_at].cast("Q"), buf[starts_at:docs_at].cast("Q"),
                   (types[0], docs_at), (types[1], weights_at), position_starts, positions)

    def _term(self, offset: int) -> tuple[int, int] | None:
        """Where the term's postings start among all and how many it has."""
        i = bisect_left(self.offsets, offset)
        if i == len(self.offsets) or self.offsets[i] != offset:
            return None
        return self.starts[i], self.starts[i + 1] - self.starts[i]

    def _array(self, where: tuple[np.dtype, int], start: int, count: int) -> np.ndarray:
        kind, at = where
        return np.frombuffer(self.buf, dtype=kind, count=count, offset=at + kind.itemsize * start)

    def get(self, offset: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The ids (int64) and weights (float64) of the term whose postings start at
        `offset`; None when the file has no such term."""
        found = self._term(offset)
        if found is None:
            return None
        return (self._array(self.docs, *found).astype(np.int64),
                self._array(self.weights, *found).astype(np.float64))

    def positions_of(self, offset: int, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Every position of the term in each of `docs` (ascending, each holding the term):
        the positions, document after document, and each one's document. None when the
        file has no such term or no positions."""
        found = self._term(offset)
        if found is None or self.positions is None:
            return None
        start, count = found
        at = np.searchsorted(self._array(self.docs, start, count), docs)
        bounds = self._array(self.position_starts, start, count + 1)
        firsts = bounds[at].astype(np.int64)
        lengths = bounds[at + 1].astype(np.int64) - firsts
        ends = np.cumsum(lengths)
        # Each posting's first position, repeated once per position, plus the position's place in it.
        where = np.repeat(firsts - (ends - lengths), lengths) + np.arange(int(ends[-1]) if len(ends) else 0)
        return self.positions[where].astype(np.int64), np.repeat(docs, lengths)


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


def lean_term(leaf, fieldname: str, btext: bytes) -> tuple[LeanPostings, int] | None:
    """A segment's lean postings and the key of one term's in them; None when they do not
    hold it (a segment written before them, a term inlined in its TermInfo), and its blocks
    are to be read. Raises TermNotFound (a KeyError) when the segment has no such term."""
    lean = lean_postings(leaf)
    if lean is None:
        return None
    info = leaf._terms.term_info(fieldname, btext)
    return None if info.is_inlined() else (lean, info._offset)
