"""What a reader asks for, validated once for every face (CLI, web, API)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 100
MAX_PER_PAGE = 100
MATCH_MODES = ("all", "any")
SORTS = ("relevance", "newest", "oldest")


class QueryError(ValueError):
    """A query we refuse, with a message fit to show the reader."""


@dataclass
class SearchRequest:
    query: str = ""
    page: int = 1
    per_page: int = 10
    match: str = "all"
    sort: str = "relevance"
    since: dt.date | None = None
    until: dt.date | None = None
    entities: list[str] = field(default_factory=list)
    section: str | None = None
    recency: bool = True
    # One story once: exact and near-duplicate articles collapse into their best-ranked one.
    collapse: bool = True
    # Search the words as typed, never their spelling correction ("search instead for").
    as_typed: bool = False
    # The faces keep the defaults; a trusted caller (the relevance benchmark's long CISI
    # queries) may raise them.
    max_chars: int = MAX_QUERY_CHARS
    max_words: int = MAX_QUERY_WORDS

    def validate(self) -> "SearchRequest":
        if len(self.query) > self.max_chars:
            raise QueryError(f"query too long ({len(self.query)} characters; the limit is {self.max_chars})")
        if self.match not in MATCH_MODES:
            raise QueryError(f"match must be one of {', '.join(MATCH_MODES)}")
        if self.sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        if self.page < 1:
            raise QueryError("page must be 1 or more")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise QueryError(f"per page must be between 1 and {MAX_PER_PAGE}")
        if self.since and self.until and self.since > self.until:
            raise QueryError("the start date is after the end date")
        return self


def parse_date(text: str) -> dt.date:
    """YYYY, YYYY-MM or YYYY-MM-DD → the first day of that period."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise QueryError(f"not a date: {text!r} (use YYYY-MM-DD)")


def day_end(day: dt.date) -> dt.datetime:
    """The midnight that ends `day`: 9999-12-31, the last day a date can hold, ends at the
    last moment a datetime can hold rather than overflowing."""
    if day == dt.date.max:
        return dt.datetime.max
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
