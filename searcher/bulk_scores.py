"""BM25F scores of many matches at once, term by term over whole posting blocks, in arrays.

Ranking thousands of matches through Whoosh's matcher tree cost ~4 µs a match (a union per
field, a wrapper per boost, the scorer called per posting): 142 ms for 'year' at 100,000
articles (37,454 matches). Here each term's postings are read block by block (ids and
term frequencies, decoded once per search by searcher.block_cache) into numpy arrays and
scored with the same formula, boosts and recency factor as Whoosh's BM25F matchers, the
same floating-point operations in the same order, so the scores are Whoosh's to the bit;
the tree's sums and intersections are array operations too. (As Python dictionaries, one
entry per posting, they were the larger part of a search at 10,000 articles.)

Handles the shapes the query parser makes: words in fields, wildcard and fuzzy words (the
OR of the terms searcher.expansion found), phrases (their words' scores where
docsets.phrase_docs finds them together), AND, OR, AND NOT, AND MAYBE, REQUIRE. Any other
part (a phrase with slop, an OR with a coordination bonus) answers None and the caller ranks with
Whoosh: hundreds of terms through its matcher tree took 0.7 s for pr*. Reads the whoosh3 codec's block internals
like searcher.docsets; whoosh-reloaded is pinned to 2.7.5."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from whoosh import query
from whoosh.reading import TermNotFound
from whoosh.query.terms import MultiTerm

from indexer.lean_postings import lean_term
from indexer.whoosh_patches import exact_lengths

from .docsets import adjacent_words, blocks, estimate, phrase_docs, phrase_terms, raw_postings, segment_docs
from .matched_terms import Term
from .scoring import NewsBM25F, RecencyBM25F

_NO_DOCS = np.zeros(0, dtype=np.int64)
_NO_SCORES = np.zeros(0, dtype=np.float64)
MAX_CACHED_POSTINGS = 2_000_000
MAX_CACHED_TERMS = 50_000
_CACHE_LOCK = threading.Lock()


class _PostingsCache:
    """Terms' postings read whole, by (segment, field, term), the least recently used
    dropped first beyond MAX_CACHED_POSTINGS postings (~16 bytes each); a term the segment
    does not have is kept as None. Shared by every thread."""

    def __init__(self) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._postings = 0
        self._lock = threading.Lock()

    def get(self, key) -> tuple | None | bool:
        """The entry, or False when there is none."""
        with self._lock:
            entry = self._entries.get(key, False)
            if entry is not False:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, entry: tuple | None) -> None:
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = entry
            self._postings += len(entry[0]) if entry is not None else 0
            while self._postings > MAX_CACHED_POSTINGS or len(self._entries) > MAX_CACHED_TERMS:
                _, dropped = self._entries.popitem(last=False)
                self._postings -= len(dropped[0]) if dropped is not None else 0


_POSTINGS = _PostingsCache()


def held_in(docs: np.ndarray, among: np.ndarray) -> np.ndarray:
    """Which of the ascending `docs` the ascending `among` holds: np.isin's answer by one
    binary search each (np.isin sorts both again: 26 us for a word's postings among a
    few hundred candidates, this 3)."""
    if not len(among):
        return np.zeros(len(docs), dtype=bool)
    at = np.searchsorted(among, docs)
    return among[np.minimum(at, len(among) - 1)] == docs


class Unsupported(Exception):
    """A part of the query this module does not score."""


@dataclass
class Scores:
    """Documents of one segment (local numbers, ascending, no repeats) with their scores."""

    docs: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.docs)

    def among(self, docs: np.ndarray) -> "Scores":
        """Only the documents that are also in the ascending `docs`."""
        keep = held_in(self.docs, docs)
        return Scores(self.docs[keep], self.scores[keep])

    def boosted(self, boost: float) -> "Scores":
        return self if boost == 1.0 else Scores(self.docs, self.scores * boost)


@dataclass
class Scored:
    """Every match of a query with its score (global document numbers, ascending)."""

    docs: np.ndarray
    scores: np.ndarray
    partial: bool  # the time limit cut the search short
    # (first document number of the segment, term, the segment's documents it scored)
    term_scores: list[tuple[int, Term, np.ndarray]] = field(default_factory=list)

    def holds(self, docnum: int) -> bool:
        i = int(np.searchsorted(self.docs, docnum))
        return i < len(self.docs) and self.docs[i] == docnum

    def best(self, limit: int, allowed: np.ndarray | None = None) -> list[tuple[float, int]]:
        """(score, docnum) of the best `limit` matches (of those `allowed`, a mask over
        `docs`), best first, ties to the lower number (as Whoosh's TopCollector breaks
        them)."""
        docs, scores = (self.docs, self.scores) if allowed is None else (self.docs[allowed], self.scores[allowed])
        if limit <= 0 or not len(docs):
            return []
        if limit < len(docs):
            # Every document scoring at least the limit-th best: ties at the cut included.
            cut = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            keep = scores >= cut
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((docs, -scores))[:limit]
        return list(zip(scores[order].tolist(), docs[order].tolist()))

    def terms_of(self, docnums: list[int]) -> dict[int, list[Term]]:
        """The query terms each of `docnums` holds, read off the scoring: the snippets'
        words, without looking the postings up again."""
        found: dict[int, list[Term]] = {}
        wanted = np.asarray(docnums, dtype=np.int64)
        for offset, term, docs in self.term_scores:
            local = wanted - offset
            at = np.minimum(np.searchsorted(docs, local), max(len(docs) - 1, 0))
            held = docs[at] == local if len(docs) else np.zeros(len(local), dtype=bool)
            for docnum, has in zip(docnums, held.tolist()):
                if has:
                    found.setdefault(docnum, []).append(term)
        return found


def all_scores(searcher, q: query.Query, deadline: float) -> Scored | None:
    """Every live document `q` matches with its score; None when `q` has a part scored
    only by Whoosh. The match set comes with the scores: a word or OR reads each term's
    postings once for both. Scores use the searcher's current weighting; segments are
    scored until `deadline` (perf_counter)."""
    if not isinstance(searcher.weighting, NewsBM25F):
        return None  # scored here as NewsBM25F scores (with or without recency)
    term_scores: list = []
    averages: dict[str, float] = {}
    docs, scores = [], []
    partial = False
    try:
        for leaf_searcher, offset in searcher.leaf_searchers():
            if time.perf_counter() > deadline:
                partial = True
                break
            found = _Segment(leaf_searcher, searcher.weighting, offset, term_scores, averages).scores(q, None)
            docs.append(found.docs + offset if offset else found.docs)
            scores.append(found.scores)
    except Unsupported:
        return None
    return Scored(np.concatenate(docs) if docs else _NO_DOCS, np.concatenate(scores) if scores else _NO_SCORES,
                  partial, term_scores)


class _Segment:
    """Scores one segment's matches, keeping each term's documents (Scored.term_scores).
    `averages` holds each field's average length over the index, shared by the segments of
    one search (Whoosh sums every segment's total for each term asking: 4 us a term)."""

    def __init__(self, leaf_searcher, weighting, offset: int, term_scores: list,
                 averages: dict[str, float]) -> None:
        self.leaf_searcher = leaf_searcher
        self.leaf = leaf_searcher.reader()
        self.weighting = weighting
        self.offset = offset
        self.term_scores = term_scores
        self.averages = averages

    def scores(self, q: query.Query, local: np.ndarray | None) -> Scores:
        """Scores of the live documents that `q` matches (among the ascending `local` when
        given), summed as Whoosh's matchers sum them: a union adds what matches, an
        intersection all of it. A conjunction starts from its rarest part, as in docsets."""
        if isinstance(q, query.Term):
            return self.term(q, local)
        if isinstance(q, query.Phrase) and adjacent_words(self.leaf, q):
            return self.phrase(q, local)
        if isinstance(q, MultiTerm):
            # A wildcard or fuzzy word is the OR of the terms it stands for, as Whoosh scores it.
            terms = [query.Term(q.fieldname, btext) for btext in q._btexts(self.leaf)]
            return self.scores(query.Or(terms, boost=q.boost), local)
        if type(q) is query.Or and not q.minmatch and not q.scale:
            parts = sorted((self.scores(sub, local) for sub in q.subqueries), key=len, reverse=True)
            return _union(parts, self.leaf.doc_count_all()).boosted(q.boost)
        wanted = [sub for sub in getattr(q, "subqueries", ()) if not isinstance(sub, query.Not)]
        if type(q) is query.And and wanted:
            wanted.sort(key=lambda sub: estimate(self.leaf, sub))
            found = self.scores(wanted[0], local)
            for sub in wanted[1:]:
                if not len(found):
                    break
                more = self.scores(sub, found.docs)
                # more.docs are among found.docs: each one's sum, in Whoosh's order.
                found = Scores(more.docs, found.scores[np.searchsorted(found.docs, more.docs)] + more.scores)
            for sub in q.subqueries:
                if isinstance(sub, query.Not) and len(found):
                    # Whoosh scores a NOT part 1 (its InverseMatcher's weight) where it lets through.
                    found = _without(found, segment_docs(self.leaf_searcher, sub.query, set(found.docs.tolist())))
                    found = Scores(found.docs, found.scores + 1.0)
            return found.boosted(q.boost)
        if isinstance(q, query.AndNot):
            found = self.scores(q.a, local)
            return _without(found, segment_docs(self.leaf_searcher, q.b, set(found.docs.tolist())))
        if isinstance(q, query.AndMaybe):
            found = self.scores(q.a, local)
            maybe = self.scores(q.b, found.docs)
            summed = found.scores.copy()
            at = np.searchsorted(found.docs, maybe.docs)
            summed[at] = summed[at] + maybe.scores
            return Scores(found.docs, summed)
        if isinstance(q, query.Require):
            found = self.scores(q.a, local)
            required = self.scores(q.b, found.docs)  # scored for its terms, not its score
            return found.among(required.docs)
        raise Unsupported(type(q).__name__)

    def phrase(self, q: query.Phrase, local: np.ndarray | None) -> Scores:
        """Whoosh scores a phrase as the intersection of its words (SpanNear2 over a binary
        tree of IntersectionMatchers) where they stand together: each word's score summed in
        that tree's order, then boosted. Its words count as matched only where it matched."""
        btexts = phrase_terms(self.leaf, q)
        parts = [self.term(query.Term(q.fieldname, btext), local, record=False) for btext in btexts]
        docs = parts[0].docs
        for part in parts[1:]:
            docs = np.intersect1d(docs, part.docs, assume_unique=True)
        if len(docs):
            docs = np.array(phrase_docs(self.leaf, q.fieldname, btexts, docs.tolist()), dtype=np.int64)
        for btext in dict.fromkeys(btexts):
            self.term_scores.append((self.offset, (q.fieldname, btext), docs))
        return Scores(docs, _tree_sum([part.scores[np.searchsorted(part.docs, docs)] for part in parts])).boosted(q.boost)

    def term(self, q: query.Term, local: np.ndarray | None, record: bool = True) -> Scores:
        """The term's scores for the live documents (of `local`, when given) that hold it;
        with `record`, the documents are kept as the term's matches (Scored.term_scores)."""
        leaf = self.leaf
        if q.fieldname not in leaf.schema:
            return Scores(_NO_DOCS, _NO_SCORES)
        btext = q.text if isinstance(q.text, bytes) else leaf.schema[q.fieldname].to_bytes(q.text)
        postings = _postings(leaf, q.fieldname, btext, local)
        if postings is None:
            return Scores(_NO_DOCS, _NO_SCORES)
        docs, tfs = postings
        if local is not None:
            keep = held_in(docs, local)
        elif leaf.has_deletions():  # `local` holds live documents only
            keep = ~np.isin(docs, np.fromiter(leaf.deleted_docs_set, dtype=np.int64), assume_unique=True)
        else:
            keep = None
        if keep is not None:
            docs, tfs = docs[keep], tfs[keep]
        weighting = self.weighting
        fieldname = q.fieldname
        if leaf.schema[fieldname].scorable:
            lengths = exact_lengths(leaf._perdoc, fieldname)
            if lengths is None:
                raise Unsupported(f"{fieldname} has no field lengths")
            # As BM25F.scorer sets its BM25FScorer up (whose own set-up would look the term up
            # once more): idf and the average length from the top-level searcher.
            parent = self.leaf_searcher.get_parent()
            idf = parent.idf(fieldname, btext)
            avgfl = self.averages.get(fieldname)
            if avgfl is None:
                avgfl = self.averages[fieldname] = parent.avg_field_length(fieldname) or 1
            B, K1 = weighting._field_B.get(fieldname, weighting.B), weighting.K1
            # whoosh.scoring.bm25 is idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl))).
            # Operation for operation on the exact lengths, so the floats agree with Whoosh's.
            fl = np.asarray(lengths)[docs]
            length_part = K1 * ((1 - B) + B * fl / avgfl)
            scores = idf * ((tfs * (K1 + 1)) / (tfs + length_part))
        else:  # Whoosh's WeightScorer: the weight itself
            scores = tfs
        if isinstance(weighting, RecencyBM25F):
            scores = scores * weighting.factors[weighting.offsets[id(leaf)] + docs]
        found = Scores(docs, scores).boosted(q.boost)
        if record:
            self.term_scores.append((self.offset, (fieldname, btext), found.docs))
        return found


def _postings(leaf, fieldname: str, btext: bytes, local: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
    """A term's documents and frequencies in one segment (deleted documents included), None
    when the segment does not have it: from the segment's lean postings, else from Whoosh's
    blocks. Read from the blocks whole, they are kept for later searches (a segment never
    changes): a common word's postings decode in milliseconds, the body's with every
    position. Among candidates (`local`) only the blocks that may hold one are decoded, and
    kept only if that was all of them."""
    try:
        held = lean_term(leaf, fieldname, btext)
    except (TermNotFound, KeyError):
        return None
    if held is not None:
        lean, offset = held
        return lean.get(offset)
    segment = leaf.segment()
    key = (segment.segment_id(), fieldname, btext) if segment is not None else None
    cached = _POSTINGS.get(key) if key is not None else False
    if cached is not False:
        return cached
    found = raw_postings(leaf, fieldname, btext)
    if found is None:
        read = None
    else:
        ids: list[int] = []
        weights: list[float] = []
        for block in blocks(found[0], local.tolist() if local is not None else None):
            block._read_ids()
            block._read_weights()
            ids.extend(block._ids)
            weights.extend(block._weights)
        read = np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
        for kept in read:  # shared with later searches: never changed in place
            kept.flags.writeable = False
    # Kept when read whole: every block was a candidate's, or none was skipped.
    if key is not None and (read is None or local is None or len(read[0]) == leaf.doc_frequency(fieldname, btext)):
        _POSTINGS.put(key, read)
    return read


def _union(parts: list[Scores], doc_count: int) -> Scores:
    """The documents of any part, each one's scores added part after part (Whoosh's sum)."""
    if not parts:
        return Scores(_NO_DOCS, _NO_SCORES)
    if len(parts) == 1:
        return parts[0]
    docs = np.concatenate([p.docs for p in parts])
    # bincount adds in the order given, from 0.0: p0 + p1 + … for each document, as Whoosh.
    sums = np.bincount(docs, weights=np.concatenate([p.scores for p in parts]), minlength=doc_count)
    present = np.zeros(doc_count, dtype=bool)
    present[docs] = True
    held = np.flatnonzero(present)
    return Scores(held, sums[held])


def _tree_sum(parts: list[np.ndarray]) -> np.ndarray:
    """The parts added as whoosh.util.make_binary_tree pairs them: a + (b + c)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    return _tree_sum(parts[:half]) + _tree_sum(parts[half:])


def _without(found: Scores, excluded: set[int]) -> Scores:
    if not excluded:
        return found
    keep = ~np.isin(found.docs, np.fromiter(excluded, dtype=np.int64), assume_unique=True)
    return Scores(found.docs[keep], found.scores[keep])
