"""A commit's names per document as arrays, to count the names of any set of documents in C.

The facets count every match's names: per document a tuple of names, chained into one
Counter, ~60 ns a name per match: milliseconds for a query with thousands of matches, the
largest part of such a search after its ranking. Here each distinct name has a number and
each document's names are a slice of one array of numbers; the names of a set of
documents are gathered with numpy and counted with bincount."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain
from typing import Sequence

import numpy as np


@dataclass
class NameCodes:
    names: list[str]  # by number
    codes: np.ndarray  # every document's names' numbers, document after document
    offsets: np.ndarray  # document d's numbers are codes[offsets[d]:offsets[d + 1]]

    @classmethod
    def of(cls, names_by_doc: Sequence[tuple[str, ...]]) -> "NameCodes":
        flat = list(chain.from_iterable(names_by_doc))
        number = {name: i for i, name in enumerate(dict.fromkeys(flat))}
        lengths = np.fromiter(map(len, names_by_doc), dtype=np.int64, count=len(names_by_doc))
        offsets = np.zeros(len(names_by_doc) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(list(number), np.fromiter(map(number.__getitem__, flat), dtype=np.int64, count=len(flat)), offsets)

    def count(self, docs: np.ndarray) -> Counter:
        """How many of `docs` (document numbers; each counted as often as it is given) have
        each name, a name twice in one document counted twice: the Counter of their names."""
        found = self.counts(docs)
        held = np.flatnonzero(found)
        return Counter(dict(zip(map(self.names.__getitem__, held.tolist()), found[held].tolist())))

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """count(docs) as an array by name number."""
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(len(self.names), dtype=np.int64)
        # Each document's slice start, repeated once per name, plus the name's place in it.
        ends = np.cumsum(lengths)
        at = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
        return np.bincount(self.codes[at], minlength=len(self.names))


@dataclass
class FacetCodes:
    """Several kinds of names (the facets: each entity kind, the section, the month) as one
    NameCodes, numbered kind after kind, so a search's matches are gathered and counted once
    for every facet: each kind's count had ~20 µs of array calls of its own, whatever the
    number of matches."""

    joined: NameCodes
    ranges: dict[str, tuple[int, int]]  # each kind's name numbers

    @classmethod
    def of(cls, kinds: dict[str, NameCodes]) -> "FacetCodes":
        names: list[str] = []
        ranges = {}
        for kind, codes in kinds.items():
            ranges[kind] = (len(names), len(names) + len(codes.names))
            names += codes.names
        lengths = [np.diff(codes.offsets) for codes in kinds.values()]
        offsets = np.zeros(len(lengths[0]) + 1, dtype=np.int64)
        np.cumsum(sum(lengths), out=offsets[1:])
        joined = np.empty(int(offsets[-1]), dtype=np.int64)
        # Document d's names: each kind's in turn, from where the kinds before it end.
        start = offsets[:-1].copy()
        for (lo, _), codes, length in zip(ranges.values(), kinds.values(), lengths):
            at = np.repeat(start - codes.offsets[:-1], length) + np.arange(len(codes.codes))
            joined[at] = codes.codes + lo
            start += length
        return cls(NameCodes(names, joined, offsets), ranges)

    def count(self, docs: np.ndarray) -> dict[str, Counter]:
        """Each kind's NameCodes.count of `docs`."""
        found = self.joined.counts(docs)
        names = self.joined.names
        out = {}
        for kind, (lo, hi) in self.ranges.items():
            held = np.flatnonzero(found[lo:hi]) + lo
            out[kind] = Counter(dict(zip(map(names.__getitem__, held.tolist()), found[held].tolist())))
        return out
