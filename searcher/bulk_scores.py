"""BM25F scores of many matches at once, term by term over whole posting blocks.

Ranking thousands of matches through Whoosh's matcher tree cost ~4 µs a match (a union per
field, a wrapper per boost, the scorer called per posting): 142 ms for 'year' at 100,000
articles (37,454 matches). Here each term's postings are read block by block (ids and
term frequencies as arrays, decoded once per search by searcher.block_cache) and scored
with the same formula, boosts and recency factor as Whoosh's BM25F matchers, for the
matches only; the tree's sums are then per document.

Handles the shapes the query parser makes: words in fields, wildcard and fuzzy words (the
OR of the terms searcher.expansion found), AND, OR, AND NOT, AND MAYBE, REQUIRE. Any other
part (phrases, an OR with a coordination bonus) answers None and the caller ranks with
Whoosh: hundreds of terms through its matcher tree took 0.7 s for pr*. Reads the whoosh3 codec's block internals
like searcher.docsets; whoosh-reloaded is pinned to 2.7.5."""
from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field

from whoosh import query, scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.query.terms import MultiTerm
from whoosh.util.numeric import byte_to_length

from .docsets import blocks, estimate, raw_postings, segment_docs
from .matched_terms import Term
from .scoring import RecencyScorer, recency_factor

_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]
Scores = dict[int, float]


class Unsupported(Exception):
    """A part of the query this module does not score."""


@dataclass
class Scored:
    """Every match of a query with its score (global document numbers)."""

    scores: Scores
    partial: bool  # the time limit cut the search short
    # (first document number of the segment, term, the term's scores there)
    term_scores: list[tuple[int, Term, Scores]] = field(default_factory=list)

    def best(self, docs: list[int], limit: int) -> list[tuple[float, int]]:
        """(score, docnum) of the best `limit` of `docs`, best first, ties to the lower
        number (as Whoosh's TopCollector breaks them)."""
        top = heapq.nlargest(limit, ((self.scores[d], -d) for d in docs))
        return [(score, -negated) for score, negated in top]

    def terms_of(self, docnums: list[int]) -> dict[int, list[Term]]:
        """The query terms each of `docnums` holds, read off the scoring: the snippets'
        words, without looking the postings up again."""
        found: dict[int, list[Term]] = {}
        for offset, term, scores in self.term_scores:
            for docnum in docnums:
                if docnum - offset in scores:
                    found.setdefault(docnum, []).append(term)
        return found


def all_scores(searcher, q: query.Query, deadline: float) -> Scored | None:
    """Every live document `q` matches with its score; None when `q` has a part scored
    only by Whoosh. The match set comes with the scores: a word or OR reads each term's
    postings once for both. Scores use the searcher's current weighting; segments are
    scored until `deadline` (perf_counter)."""
    scored = Scored({}, partial=False)
    try:
        for leaf_searcher, offset in searcher.leaf_searchers():
            if time.perf_counter() > deadline:
                scored.partial = True
                break
            segment = _Segment(leaf_searcher, searcher.weighting, offset, scored.term_scores)
            scores = segment.scores(q, None)
            scored.scores.update({d + offset: s for d, s in scores.items()} if offset else scores)
    except Unsupported:
        return None
    return scored


class _Segment:
    """Scores one segment's matches, keeping each term's scores (Scored.term_scores)."""

    def __init__(self, leaf_searcher, weighting, offset: int, term_scores: list) -> None:
        self.leaf_searcher = leaf_searcher
        self.leaf = leaf_searcher.reader()
        self.weighting = weighting
        self.offset = offset
        self.term_scores = term_scores
        self.length_parts: dict[tuple[float, float, float], list[float]] = {}

    def scores(self, q: query.Query, local: set[int] | None) -> Scores:
        """Scores of the live documents that `q` matches (among `local` when given), summed
        as Whoosh's matchers sum them: a union adds what matches, an intersection all of
        it. A conjunction starts from its rarest part, as in docsets."""
        if isinstance(q, query.Term):
            return self.term(q, local)
        if isinstance(q, MultiTerm):
            # A wildcard or fuzzy word is the OR of the terms it stands for, as Whoosh scores it.
            terms = [query.Term(q.fieldname, btext) for btext in q._btexts(self.leaf)]
            return self.scores(query.Or(terms, boost=q.boost), local)
        if type(q) is query.Or and not q.minmatch and not q.scale:
            # Added to a copy of the largest part (a term's own scores stay as they are).
            parts = sorted((self.scores(sub, local) for sub in q.subqueries), key=len, reverse=True)
            scores: Scores = dict(parts[0]) if parts else {}
            for part in parts[1:]:
                for d, s in part.items():
                    scores[d] = scores[d] + s if d in scores else s
            return _boosted(scores, q.boost)
        wanted = [sub for sub in getattr(q, "subqueries", ()) if not isinstance(sub, query.Not)]
        if type(q) is query.And and wanted:
            wanted.sort(key=lambda sub: estimate(self.leaf, sub))
            scores = self.scores(wanted[0], local)
            for sub in wanted[1:]:
                if not scores:
                    break
                more = self.scores(sub, set(scores))
                scores = {d: scores[d] + s for d, s in more.items()}
            for sub in q.subqueries:
                if isinstance(sub, query.Not) and scores:
                    # Whoosh scores a NOT part 1 (its InverseMatcher's weight) where it lets through.
                    excluded = segment_docs(self.leaf_searcher, sub.query, set(scores))
                    scores = {d: s + 1.0 for d, s in scores.items() if d not in excluded}
            return _boosted(scores, q.boost)
        if isinstance(q, query.AndNot):
            scores = self.scores(q.a, local)
            excluded = segment_docs(self.leaf_searcher, q.b, set(scores))
            return {d: s for d, s in scores.items() if d not in excluded}
        if isinstance(q, query.AndMaybe):
            scores = self.scores(q.a, local)
            maybe = self.scores(q.b, set(scores))
            return {d: s + maybe[d] if d in maybe else s for d, s in scores.items()}
        if isinstance(q, query.Require):
            scores = self.scores(q.a, local)
            required = self.scores(q.b, set(scores))  # scored for its terms, not its score
            return {d: s for d, s in scores.items() if d in required}
        raise Unsupported(type(q).__name__)

    def term(self, q: query.Term, local: set[int] | None) -> Scores:
        """The term's scores for the live documents (of `local`, when given) that hold it."""
        leaf = self.leaf
        found = raw_postings(leaf, q.fieldname, q.text)
        if found is None:
            return {}
        postings, btext = found
        scorer = self.weighting.scorer(self.leaf_searcher, q.fieldname, btext)
        recency = None
        if isinstance(scorer, RecencyScorer):
            recency, scorer = scorer, scorer.inner
        lengths = None
        if isinstance(scorer, scoring.BM25FScorer):
            lengths = leaf._perdoc._cached_reader(_lenfield(q.fieldname), LENGTHS_COLUMN)
            if lengths is None:
                raise Unsupported(f"{q.fieldname} has no field lengths")
            idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
            # whoosh.scoring.bm25 is idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))).
            # Its length part takes one of 256 values (a length is stored as a byte): computed
            # once each here, operation for operation, so the floats agree with Whoosh's.
            shape = (K1, B, avgfl)  # the same for every term of a field: a wildcard has hundreds
            if shape not in self.length_parts:
                self.length_parts[shape] = [K1 * ((1 - B) + B * fl / avgfl) for fl in _LENGTH_OF_BYTE]
            length_part = self.length_parts[shape]
            k1_plus_1 = K1 + 1
        elif not isinstance(scorer, scoring.WeightScorer):
            raise Unsupported(type(scorer).__name__)
        scores: Scores = {}
        # Among candidates, only the blocks that can hold one are decoded.
        for block in blocks(postings, sorted(local) if local is not None else None):
            block._read_ids()
            ids = block._ids
            if local is None or not local.isdisjoint(ids):
                block._read_weights()
                pairs = zip(ids, block._weights)
                if local is not None:
                    pairs = ((d, tf) for d, tf in pairs if d in local)
                if lengths is None:
                    scores.update(pairs)
                else:
                    scores.update({d: idf * ((tf * k1_plus_1) / (tf + length_part[lengths[d]]))
                                   for d, tf in pairs})
        if local is None:  # `local` holds live documents only
            for d in leaf.deleted_docs_set.intersection(scores):
                del scores[d]
        if recency is not None:
            dates, offset, newest = recency.dates, recency.offset, recency.newest_long
            scores = {d: s * recency_factor(dates[offset + d], newest) for d, s in scores.items()}
        scores = _boosted(scores, q.boost)
        self.term_scores.append((self.offset, (q.fieldname, btext), scores))
        return scores


def _boosted(scores: Scores, boost: float) -> Scores:
    return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}
