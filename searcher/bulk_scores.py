"""BM25F scores of many matches at once, term by term over whole posting blocks.

Ranking thousands of matches through Whoosh's matcher tree cost ~4 µs a match (a union per
field, a wrapper per boost, the scorer called per posting): 142 ms for 'year' at 100,000
articles (37,454 matches). Here each term's postings are read block by block (ids and
term frequencies as arrays, decoded once per search by searcher.block_cache) and scored
with the same formula, boosts and recency factor as Whoosh's BM25F matchers, for the
matches only; the tree's sums are then per document.

Handles the shapes the query parser makes: words in fields, AND, OR, AND NOT, AND MAYBE,
REQUIRE. Any other part (phrases, wildcards, an OR with a coordination bonus) answers None
and the caller ranks with Whoosh. Reads the whoosh3 codec's block internals
like searcher.docsets; whoosh-reloaded is pinned to 2.7.5."""
from __future__ import annotations

import heapq
import time
from bisect import bisect_left
from typing import Sequence

from whoosh import query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from .docsets import segment_docs
from .scoring import RecencyScorer, recency_factor

_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]
Scores = dict[int, float]


class Unsupported(Exception):
    """A part of the query this module does not score."""


def top_scores(searcher, q: query.Query, docs: Sequence[int], limit: int,
               deadline: float) -> tuple[list[tuple[float, int]], bool] | None:
    """(score, docnum) of the best `limit` of `docs` (every one a match of `q`, ascending),
    best first, ties to the lower number, and whether `deadline` (perf_counter) cut the
    scoring short; None when `q` has a part scored only by Whoosh. Scores use the
    searcher's current weighting."""
    weighting = searcher.weighting
    scored: list[tuple[float, int]] = []
    cut = False
    try:
        for leaf_searcher, offset in searcher.leaf_searchers():
            if time.perf_counter() > deadline:
                cut = True
                break
            end = offset + leaf_searcher.doc_count_all()
            local = {d - offset for d in docs[bisect_left(docs, offset):bisect_left(docs, end)]}
            if local:
                scores = _scores(leaf_searcher, weighting, q, local)
                scored.extend((s, -(d + offset)) for d, s in scores.items())
    except Unsupported:
        return None
    return [(score, -negated) for score, negated in heapq.nlargest(limit, scored)], cut


def _scores(leaf_searcher, weighting, q: query.Query, local: set[int]) -> Scores:
    """Scores of the documents of `local` that `q` matches, summed as Whoosh's matchers sum
    them (a union adds what matches, an intersection all of it)."""
    if isinstance(q, query.Term):
        return _term_scores(leaf_searcher, weighting, q, local)
    if type(q) is query.Or and not q.minmatch and not q.scale:
        scores: Scores = {}
        for sub in q.subqueries:
            for d, s in _scores(leaf_searcher, weighting, sub, local).items():
                scores[d] = scores.get(d, 0.0) + s
        return _boosted(scores, q.boost)
    if type(q) is query.And:
        parts = [_scores(leaf_searcher, weighting, sub, local) for sub in q.subqueries]
        matched = set.intersection(*(set(s) for s in parts)) if parts else set()
        return _boosted({d: sum(s[d] for s in parts) for d in matched}, q.boost)
    if isinstance(q, query.AndNot):
        scores = _scores(leaf_searcher, weighting, q.a, local)
        excluded = segment_docs(leaf_searcher, q.b, set(scores))
        return {d: s for d, s in scores.items() if d not in excluded}
    if isinstance(q, query.AndMaybe):
        scores = _scores(leaf_searcher, weighting, q.a, local)
        maybe = _scores(leaf_searcher, weighting, q.b, set(scores))
        return {d: s + maybe[d] if d in maybe else s for d, s in scores.items()}
    if isinstance(q, query.Require):
        scores = _scores(leaf_searcher, weighting, q.a, local)
        required = segment_docs(leaf_searcher, q.b, set(scores))
        return {d: s for d, s in scores.items() if d in required}
    raise Unsupported(type(q).__name__)


def _boosted(scores: Scores, boost: float) -> Scores:
    return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}


def _term_scores(leaf_searcher, weighting, q: query.Term, local: set[int]) -> Scores:
    """The term's scores for the documents of `local` that hold it."""
    leaf = leaf_searcher.reader()
    if q.fieldname not in leaf.schema:
        return {}
    field = leaf.schema[q.fieldname]
    btext = q.text if isinstance(q.text, bytes) else field.to_bytes(q.text)
    if (q.fieldname, btext) not in leaf:
        return {}
    scorer = weighting.scorer(leaf_searcher, q.fieldname, btext)
    recency = None
    if isinstance(scorer, RecencyScorer):
        recency, scorer = scorer, scorer.inner
    lengths = None
    if isinstance(scorer, scoring.BM25FScorer):
        lengths = leaf._perdoc._cached_reader(_lenfield(q.fieldname), LENGTHS_COLUMN)
        if lengths is None:
            raise Unsupported(f"{q.fieldname} has no field lengths")
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
    elif not isinstance(scorer, scoring.WeightScorer):
        raise Unsupported(type(scorer).__name__)
    decode = _LENGTH_OF_BYTE
    scores: Scores = {}
    postings = leaf._terms.matcher(q.fieldname, btext, field.format)
    while postings.is_active():
        postings._read_ids()
        ids = postings._ids
        if not local.isdisjoint(ids):
            postings._read_weights()
            for d, tf in zip(ids, postings._weights):
                if d in local:
                    if lengths is None:
                        scores[d] = tf
                    else:
                        fl = decode[lengths[d]]
                        # whoosh.scoring.bm25, operation for operation, so the floats agree
                        scores[d] = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
        postings._next_block()
    if recency is not None:
        dates, offset, newest = recency.dates, recency.offset, recency.newest_long
        scores = {d: s * recency_factor(dates[offset + d], newest) for d, s in scores.items()}
    return _boosted(scores, q.boost)
