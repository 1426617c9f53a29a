"""Restrictions on which articles a search may return, checked per matching document.

Dates are compared with the commit's date table; entity and section filters become bitmaps
(one byte per document) cached for the commit's life (searcher.tables). A Whoosh DateRange
filter instead expands to many terms and rebuilds its document set on every query."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence

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
