"""Restrictions on which articles a search may return, checked per matching document or
for all of a search's matches at once (Filter.mask).

Dates are compared with the commit's date table; entity and section filters become bitmaps
(one byte per document) cached for the commit's life (searcher.tables). A Whoosh DateRange
filter instead expands to many terms and rebuilds its document set on every query."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from whoosh.util.times import datetime_to_long


@dataclass
class Filter:
    dates: Sequence[int]
    start: int | None = None  # inclusive, date column units
    end: int | None = None  # exclusive
    docsets: list[bytearray] = field(default_factory=list)

    @classmethod
    def build(cls, dates: Sequence[int], start: dt.datetime | None, end: dt.datetime | None,
              docsets: list[bytearray]) -> "Filter | None":
        if start is None and end is None and not docsets:
            return None
        return cls(dates, datetime_to_long(start) if start else None,
                   datetime_to_long(end) if end else None, docsets)

    def allows(self, docnum: int) -> bool:
        if self.start is not None or self.end is not None:
            when = self.dates[docnum]
            if not when or (self.start is not None and when < self.start) \
                    or (self.end is not None and when >= self.end):
                return False
        return all(docs[docnum] for docs in self.docsets)

    def mask(self, docnums: np.ndarray) -> np.ndarray:
        """allows() of each of `docnums` (an array) at once, in array operations."""
        keep = np.ones(len(docnums), dtype=bool)
        if self.start is not None or self.end is not None:
            when = np.asarray(self.dates, dtype=np.uint64)[docnums]
            keep &= when != 0
            if self.start is not None:
                keep &= when >= np.uint64(self.start)
            if self.end is not None:
                keep &= when < np.uint64(self.end)
        for docs in self.docsets:
            keep &= np.frombuffer(docs, dtype=np.uint8)[docnums] != 0
        return keep
