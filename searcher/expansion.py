"""The index terms a query's wildcard and fuzzy words stand for, found within one budget for
the whole search.

Whoosh expands each such word on its own, again in every pass (the matches, the ranking, the
highlights), with no ceiling on the terms it reads: `a~2 b~2 … z~2` (117 bytes) held a thread
for 9 s and 72 two-letter wildcards for 11.6 s, each word under the old per-word cap. Here a
search has one budget: the terms its expansions may read in the term index, the terms they
may stand for, and the search's deadline, checked while they read. A word's terms in one
segment are found once per search."""
from __future__ import annotations

import math
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Iterator

from whoosh import query
from rapidfuzz.distance import Levenshtein

from .request import QueryError

# Index terms all the wildcard and fuzzy words of one search may stand for together (each
# is scored on its own: ~0.5 ms).
MAX_EXPANSIONS = 500
# The work of finding them, in terms read from the term index (~5 µs each): ~0.25 s.
MAX_WORK = 48_000
_CHECK_EVERY = 64


@dataclass
class Budget:
    """What the expansions of one search have used."""

    deadline: float = math.inf  # time.perf_counter()
    work: int = 0
    terms: set[tuple[str, bytes]] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    found: dict[tuple, list[bytes]] = field(default_factory=dict)

    def spend(self, word: str, work: int = 1) -> None:
        before, self.work = self.work, self.work + work
        if self.work > MAX_WORK:
            raise QueryError(f"too many words match {self._which(word)}; {self._advice()}")
        if before // _CHECK_EVERY != self.work // _CHECK_EVERY and time.perf_counter() > self.deadline:
            raise QueryError(f"finding the words {self._which(word)} stand for took too long; {self._advice()}")

    def take(self, word: str, fieldname: str, btext: bytes) -> None:
        self.terms.add((fieldname, btext))
        if len(self.terms) > MAX_EXPANSIONS:
            raise QueryError(f"too many words match {self._which(word)}; {self._advice()}")

    def _which(self, word: str) -> str:
        return word if self.words <= {word} else f"{word} and the other wildcard and fuzzy words"

    def _advice(self) -> str:
        return "type more letters" + ("" if len(self.words) <= 1 else " or use fewer of them")


_current: ContextVar[Budget | None] = ContextVar("expansion_budget", default=None)


@contextmanager
def budget(deadline: float) -> Iterator[Budget]:
    """Expansions inside the block share one budget and stop at `deadline`."""
    token = _current.set(Budget(deadline))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class _Budgeted:
    """A wildcard or fuzzy word whose terms come from the search's budget."""

    def _btexts(self, ixreader):
        return expand(self, ixreader)


class BudgetedFuzzy(_Budgeted, query.FuzzyTerm):
    pass


class BudgetedWildcard(_Budgeted, query.Wildcard):
    pass


class BudgetedPrefix(_Budgeted, query.Prefix):
    pass


def budgeted(q: query.Query) -> query.Query:
    """For Query.accept: a wildcard or fuzzy word as its budgeted kind, scored as the OR of
    its terms with the search's weighting. (Whoosh's "constant score" words drop the
    weighting for the segment's plain one, losing the recency preference; searcher.bulk_scores
    scores them as this OR.)"""
    if isinstance(q, _Budgeted):
        return q
    if isinstance(q, query.FuzzyTerm):
        return BudgetedFuzzy(q.fieldname, q.text, boost=q.boost, maxdist=q.maxdist,
                             prefixlength=q.prefixlength, constantscore=False)
    if isinstance(q, query.Wildcard):
        return BudgetedWildcard(q.fieldname, q.text, boost=q.boost, constantscore=False)
    if isinstance(q, query.Prefix):
        return BudgetedPrefix(q.fieldname, q.text, boost=q.boost, constantscore=False)
    return q


def expand_all(q: query.Query, reader) -> None:
    """Find the terms of every wildcard and fuzzy word of `q` in every segment now, so a
    query over budget is refused before the search starts."""
    for leaf in q.leaves():
        if isinstance(leaf, _Budgeted):
            for segment, _ in reader.leaf_readers():
                expand(leaf, segment)


def expand(q: query.MultiTerm, reader) -> list[bytes]:
    """The terms `q` stands for in `reader`: a segment's found once per search, a
    multi-segment reader's as the union of its segments'."""
    current = _current.get() or Budget()  # outside a search: a budget for this word alone
    segments = reader.leaf_readers()
    if len(segments) != 1 or segments[0][0] is not reader:
        return sorted(set().union(*(expand(q, segment) for segment, _ in segments)))
    key = (type(q), q.fieldname, q.text, getattr(q, "maxdist", 0), getattr(q, "prefixlength", 0), id(reader))
    if key not in current.found:
        word = _shown(q)
        current.words.add(word)
        found = []
        for btext in (_near(q, reader, current, word) if isinstance(q, query.FuzzyTerm)
                      else _matching(q, reader, current, word)):
            current.take(word, q.fieldname, btext)
            found.append(btext)
        current.found[key] = found
    return current.found[key]


def _shown(q: query.MultiTerm) -> str:
    if isinstance(q, query.FuzzyTerm):
        return f"{q.text}~{q.maxdist:g}"
    return f"{q.text}*" if isinstance(q, query.Prefix) else q.text


def _matching(q: query.MultiTerm, reader, current: Budget, word: str) -> Iterator[bytes]:
    """A prefix's or wildcard's terms: those after its leading letters that fit it."""
    if q.fieldname not in reader.schema:
        return
    wildcard = isinstance(q, query.Wildcard)
    pattern = re.compile(q._get_pattern()) if wildcard else None
    from_bytes = reader.schema[q.fieldname].from_bytes
    for btext in reader.expand_prefix(q.fieldname, q._find_prefix(q.text) if wildcard else q.text):
        current.spend(word)
        if pattern is None or pattern.match(from_bytes(btext)):
            yield btext


def _near(q: query.FuzzyTerm, reader, current: Budget, word: str) -> Iterator[bytes]:
    """A fuzzy word's terms: the field's spelling words that share its first letters and lie
    within its edit distance (Levenshtein, as Whoosh's automaton counts). Measured in C by
    rapidfuzz over the words read: Whoosh's pure-Python automaton cost ~80 µs a step."""
    if q.fieldname not in reader.schema:
        return
    fieldobj = reader.schema[q.fieldname]
    text, most = q.text, int(q.maxdist)
    for btext in reader.expand_prefix(fieldobj.spelling_fieldname(q.fieldname), text[:q.prefixlength]):
        current.spend(word)
        candidate = btext.decode("utf-8")
        if abs(len(candidate) - len(text)) <= most and Levenshtein.distance(candidate, text, score_cutoff=most) <= most:
            yield fieldobj.to_bytes(candidate)
