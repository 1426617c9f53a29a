"""Posting blocks decoded once per search instead of once per pass, and searched faster.

A search reads the same posting blocks up to four times: for its set of matches
(searcher.docsets), to rank them, to find the shown hits' matched terms and to place their
snippets. Each read of a block unpickles and decompresses it whole — ids, weights, and for
the body every position and character offset — which was most of the cost of a
two-word search at 100,000 articles. While a search runs, its thread keeps the decoded
blocks by file and offset; a segment's files never change once written.

Skipping to a document inside a block bisects the block's ids (Whoosh steps through them).

Patches whoosh3.W3LeafMatcher (whoosh-reloaded is pinned to 2.7.5)."""
from __future__ import annotations

import threading
from bisect import bisect_left
from contextlib import contextmanager
from itertools import accumulate
from typing import Iterator

from whoosh.codec import whoosh3
from whoosh.matching import ReadTooFar

# Blocks kept per search (a few KB each): bounds a search's memory whatever it matches.
MAX_BLOCKS = 4096

_local = threading.local()
_decode = whoosh3.W3LeafMatcher._read_data


@contextmanager
def decoded_blocks() -> Iterator[None]:
    """Within this block, the thread's reads of one posting block decode it once."""
    _local.blocks = {}
    try:
        yield
    finally:
        _local.blocks = None


def _read_data(self) -> None:
    blocks = getattr(_local, "blocks", None)
    if blocks is None:
        _decode(self)
        return
    key = (id(self._postfile), self._dataoffset)
    data = blocks.get(key)
    if data is None:
        _decode(self)
        if len(blocks) < MAX_BLOCKS:
            blocks[key] = self._data
    else:
        self._data = data


def _read_ids(self) -> None:
    """As Whoosh's, with the running sum of the stored gaps taken in C (itertools)."""
    if self._data is None:
        self._read_data()
    ids = self._data[0]
    self._ids = ids if self._byteids else tuple(accumulate(ids))


def _skip_to(self, targetid: int) -> None:
    """As Whoosh's, finding the target within its block by bisection instead of stepping
    through the block one posting at a time."""
    if not self.is_active():
        raise ReadTooFar
    if targetid <= self.id():
        return
    if targetid > self._maxid:
        self._skip_to_block(lambda: targetid > self._maxid)
        if not self.is_active():
            return
        if self._ids is None:
            self._read_ids()
    self._i = bisect_left(self._ids, targetid, self._i)


whoosh3.W3LeafMatcher._read_data = _read_data
whoosh3.W3LeafMatcher._read_ids = _read_ids
whoosh3.W3LeafMatcher.skip_to = _skip_to
