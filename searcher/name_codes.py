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
        starts = self.offsets[docs]
        lengths = self.offsets[docs + 1] - starts
        total = int(lengths.sum())
        if not total:
            return Counter()
        # Each document's slice start, repeated once per name, plus the name's place in it.
        ends = np.cumsum(lengths)
        at = np.repeat(starts - (ends - lengths), lengths) + np.arange(total)
        found = np.bincount(self.codes[at], minlength=len(self.names))
        held = np.flatnonzero(found)
        return Counter(dict(zip(map(self.names.__getitem__, held.tolist()), found[held].tolist())))
