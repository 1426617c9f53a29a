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
from typing import Collection, Mapping, Sequence

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

    @classmethod
    def joined(cls, parts: Sequence["NameCodes"]) -> "NameCodes":
        """The NameCodes of segments' documents end to end, as of() numbers their names
        (first seen first): each part's names renumbered, its numbers moved in numpy, so a
        commit's tables cost its segments' distinct names, not their documents."""
        number: dict[str, int] = {}
        codes, lengths = [], []
        for part in parts:
            renumber = np.fromiter((number.setdefault(name, len(number)) for name in part.names),
                                   dtype=np.int64, count=len(part.names))
            codes.append(renumber[part.codes])
            lengths.append(np.diff(part.offsets))
        offsets = np.zeros(sum(map(len, lengths)) + 1, dtype=np.int64)
        if lengths:
            np.cumsum(np.concatenate(lengths), out=offsets[1:])
        return cls(list(number), np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64), offsets)

    def counter(self, docs: np.ndarray) -> Counter:
        """counts(docs) as a Counter of the names."""
        found = self.counts(docs)
        held = np.flatnonzero(found)
        return Counter(dict(zip(map(self.names.__getitem__, held.tolist()), found[held].tolist())))

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """How many of `docs` (document numbers; each counted as often as it is given) have
        each name, a name twice in one document counted twice, by name number."""
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
    number of matches. Names are numbered under the kind they are counted in (a name the
    archive gives another kind, or drops, moved once here, not in every search's counts),
    and each kind's best are picked from the counts in numpy: building each kind's Counter
    and regrouping it was ~0.4 ms a search at 10,000 articles."""

    joined: NameCodes  # a dropped name's number is len(joined.names), counted nowhere
    ranges: dict[str, tuple[int, int]]  # each kind's name numbers
    ranks: np.ndarray  # each name's place in its kind's names in order (ties go by name)

    @classmethod
    def of(cls, kinds: dict[str, NameCodes], moved: Mapping[str, str] | None = None,
           movable: Collection[str] = ()) -> "FacetCodes":
        """`moved`: a name of the `movable` kinds → the kind it is counted in, "" to leave it
        out (indexer.entity_kinds.archive_kinds, as regroup moves counts)."""
        moved = moved or {}
        numbers: dict[str, dict[str, int]] = {kind: {} for kind in kinds}
        targets = []  # (kind, name) counted for each name number of each kind, in turn
        for kind, codes in kinds.items():
            for name in codes.names:
                target = moved.get(name, kind) if kind in movable else kind
                targets.append((target, name))
                if target:
                    numbers[target].setdefault(name, 0)
        names: list[str] = []
        ranges = {}
        for kind, held in numbers.items():
            ranges[kind] = (len(names), len(names) + len(held))
            for name in held:
                held[name] = len(names)
                names.append(name)
        sink = len(names)
        renumber = np.fromiter((numbers[kind][name] if kind else sink for kind, name in targets),
                               dtype=np.int64, count=len(targets))
        lengths = [np.diff(codes.offsets) for codes in kinds.values()]
        offsets = np.zeros(len(lengths[0]) + 1, dtype=np.int64)
        np.cumsum(sum(lengths), out=offsets[1:])
        joined = np.empty(int(offsets[-1]), dtype=np.int64)
        # Document d's names: each kind's in turn, from where the kinds before it end.
        start = offsets[:-1].copy()
        first = 0
        for codes, length in zip(kinds.values(), lengths):
            at = np.repeat(start - codes.offsets[:-1], length) + np.arange(len(codes.codes))
            joined[at] = renumber[codes.codes + first]
            start += length
            first += len(codes.names)
        ranks = np.zeros(sink, dtype=np.int64)
        for lo, hi in ranges.values():
            ranks[lo + np.argsort(np.array(names[lo:hi], dtype=object), kind="stable")] = np.arange(hi - lo)
        return cls(NameCodes(names + [""], joined, offsets), ranges, ranks)

    def counts(self, docs: np.ndarray) -> np.ndarray:
        """How many of `docs` have each name, by number (NameCodes.counts)."""
        return self.joined.counts(docs)

    def top(self, found: np.ndarray, kind: str, size: int | None = None) -> list[tuple[str, int]]:
        """The kind's names counted in `found` (counts()), most first, equal counts by name;
        the first `size` of them."""
        lo, hi = self.ranges[kind]
        counts = found[lo:hi]
        held = np.flatnonzero(counts)
        # Larger first: the count, then the earlier name.
        keys = counts[held] * (hi - lo + 1) - self.ranks[lo + held]
        if size is not None and len(held) > size:
            best = np.argpartition(-keys, size - 1)[:size]
            held, keys = held[best], keys[best]
        held = held[np.argsort(-keys)]
        names = self.joined.names
        return [(names[lo + i], int(counts[i])) for i in held.tolist()]
