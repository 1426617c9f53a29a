"""BM25F with an optional, mild preference for newer articles.

The recency factor multiplies a document's BM25F score by 1 + WEIGHT · ½^(age / HALF_LIFE),
where age is counted back from the newest article in the index (not from today, so an
archive of old news still ranks its own newest first). A same-day article gets +15%, one
90 days older +7.5%, a year older +1%: enough to order near-ties by date, never enough to lift
a weak match over a strong one."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from whoosh import scoring

from indexer.whoosh_patches import shortest_length

from .tokens import forms

BM25_B = 0.75
BM25_K1 = 1.2
RECENCY_WEIGHT = 0.15
RECENCY_HALF_LIFE_DAYS = 90.0


# Fields of names, analysed unstemmed; their words also stand in the body.
NAME_FIELDS = ("entity", "person", "org", "place", "byline")
# Name fields hold a few words each: no length normalisation there, or an article whose one
# (often spurious) name is the query word scores as if the name filled it.
NAME_B = 0.0


class NewsBM25F(scoring.BM25F):
    """BM25F with the Robertson–Spärck Jones idf, log(1 + (N − n + ½) / (n + ½)).

    Whoosh's default idf, log(N / (n + 1)) + 1, never drops below 1, so a word in most
    articles still weighs a lot; long natural-language queries ranked worse with it on the
    test collections of bench/relevance.py.

    A word of the headline or a name field weighs what the word weighs in the articles'
    text: n is the larger of the field's count and the body's (of the word's stem). Counted
    in its sparse field alone, every headline word looked rare, and "system" (a name spaCy
    finds in capitalised text) weighed like a rare name: on CACM, MAP rose from 0.283 to
    0.315 without entities and from 0.256 to 0.316 with them (bench/relevance.py)."""

    def __init__(self, **kwargs):
        super().__init__(B=BM25_B, K1=BM25_K1, **{f"{f}_B": NAME_B for f in NAME_FIELDS}, **kwargs)

    def idf(self, searcher, fieldname, text):
        n = searcher.doc_frequency(fieldname, text)
        if fieldname == "headline":
            # The headline shares the body's analyzer: its terms are already the body's stems
            # (stemming a stem again changes it: "univers" → "univ").
            n = max(n, searcher.doc_frequency("body", text))
        elif fieldname in NAME_FIELDS:
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            stems = forms(word, searcher.schema["body"].analyzer)
            if stems:
                n = max(n, searcher.doc_frequency("body", stems[0]))
        total = searcher.doc_count_all()
        return math.log(1.0 + (total - n + 0.5) / (n + 0.5))

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return super().scorer(searcher, fieldname, text, qf=qf)
        return ExactLengthScorer(searcher, fieldname, text, self._field_B.get(fieldname, self.B), self.K1, qf=qf)


class ExactLengthScorer(scoring.BM25FScorer):
    """Whoosh's BM25F scorer on exact field lengths (indexer.whoosh_patches), its score bounds
    taken at the shortest length the posting block's or term's rounded-up minimum stands
    for: at the rounded length a bound fell below the score of a shorter article, and the
    block-skipping collector could pass it over."""

    def setup(self, searcher, fieldname, text):
        info = searcher.term_info(fieldname, text)
        self.dfl = lambda docid: searcher.doc_field_length(docid, fieldname, 1)
        self._maxquality = self._score(info.max_weight(), shortest_length(info.min_length()))

    def block_quality(self, matcher) -> float:
        return self._score(matcher.block_max_weight(), shortest_length(matcher.block_min_length()))


def bm25f() -> NewsBM25F:
    return NewsBM25F()


class RecencyBM25F(NewsBM25F):
    """`factors` holds every article's recency factor by global document number (the
    commit's shared table, searcher.tables); `offsets` maps each segment reader to its first
    number. Reading Whoosh's date column per match instead took 18% of a common word's
    search at 100,000 articles."""

    def __init__(self, factors: np.ndarray, offsets: dict[int, int], **kwargs):
        super().__init__(**kwargs)
        self.factors = factors
        self.offsets = offsets

    def scorer(self, searcher, fieldname, text, qf=1):
        inner = super().scorer(searcher, fieldname, text, qf=qf)
        return RecencyScorer(inner, self.factors, self.offsets[id(searcher.reader())])


_MICROSECONDS_PER_DAY = 86_400_000_000


def recency_factors(dates: Sequence[int], newest_long: int) -> np.ndarray:
    """Each document's factor, in array operations (a Python call per date took 0.1 s in
    the first search after each commit at 100,000 articles). Dates are the date column's
    raw values: microseconds since year 1, 0 for undated articles (factor 1)."""
    longs = np.asarray(dates, dtype=np.uint64).astype(np.int64)
    age_days = np.maximum(0.0, (newest_long - longs) / _MICROSECONDS_PER_DAY)
    factors = 1.0 + RECENCY_WEIGHT * 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
    factors[longs == 0] = 1.0
    return factors


class RecencyScorer(scoring.BaseScorer):
    def __init__(self, inner: scoring.BaseScorer, factors: np.ndarray, offset: int):
        self.inner = inner
        self.factors = factors
        self.offset = offset
        self.ceiling = 1.0 + RECENCY_WEIGHT

    def supports_block_quality(self) -> bool:
        return self.inner.supports_block_quality()

    def max_quality(self) -> float:
        return self.inner.max_quality() * self.ceiling

    def block_quality(self, matcher) -> float:
        return self.inner.block_quality(matcher) * self.ceiling

    def score(self, matcher) -> float:
        return self.inner.score(matcher) * float(self.factors[self.offset + matcher.id()])
