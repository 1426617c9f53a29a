"""Every document a query matches, computed with set operations on whole posting blocks.

Totals and facets need every match, ranking only the best page. Walking Whoosh's matcher
tree to visit each match in turn cost ~8 µs a match (a common word: 37,000 matches, 350 ms
at 100,000 articles); here each term's posting blocks are read as tuples of document numbers
and combined with Python's set operations, in C. The ranking then only has to find the top
page, which Whoosh's block-quality skipping does without scoring most matches.

Words, field:word, AND/OR/NOT, +/-, wildcards and fuzzy words (expanded to their terms) are
set operations; a phrase is the set of its words' documents, then the positions of only
those documents (phrase_docs, from the lean postings where a segment has them); anything
else asks Whoosh's matcher for its documents. Uses the whoosh3 codec's block internals
(`_terms.matcher`, `_read_ids`, `_next_block`), like indexer.segments; whoosh-reloaded is pinned to 2.7.5."""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from whoosh import query
from whoosh.query.terms import MultiTerm

from indexer.lean_postings import lean_term


@dataclass
class Matches:
    """Global document numbers, ascending; `partial` when the time limit cut it short."""

    docs: list[int]
    partial: bool = False


def matching_docs(searcher, q: query.Query, deadline: float) -> Matches:
    """The live documents `q` matches, segment by segment until `deadline` (perf_counter)."""
    docs: list[int] = []
    for leaf_searcher, offset in searcher.leaf_searchers():
        local = sorted(_docs(leaf_searcher, leaf_searcher.reader(), q))
        docs.extend(map(offset.__add__, local) if offset else local)
        if time.perf_counter() > deadline:
            return Matches(docs, partial=True)
    return Matches(docs)


def segment_docs(leaf_searcher, q: query.Query, within: set[int] | None = None) -> set[int]:
    """The live documents of one segment (local numbers) that `q` matches, among `within`."""
    return _docs(leaf_searcher, leaf_searcher.reader(), q, within)


def _docs(leaf_searcher, leaf, q: query.Query, within: set[int] | None = None) -> set[int]:
    """The documents of one segment that `q` matches, among `within` when given.

    A conjunction starts from its rarest part and looks the rest up only for the documents
    still in: a rare word AND a common one decodes a few blocks of the common word's
    postings, not all of them."""
    if isinstance(q, query.Term):
        return _term_docs(leaf, q.fieldname, q.text, within)
    if isinstance(q, MultiTerm):
        found: set[int] = set()
        for btext in q._btexts(leaf):
            found |= _term_docs(leaf, q.fieldname, btext, within)
        return found
    if isinstance(q, query.And):
        wanted = sorted((s for s in q.subqueries if not isinstance(s, query.Not)),
                        key=lambda s: estimate(leaf, s))
        if wanted:
            found = within
            for sub in wanted:
                found = _docs(leaf_searcher, leaf, sub, found)
                if not found:
                    return found
            for sub in q.subqueries:
                if isinstance(sub, query.Not):
                    found -= _docs(leaf_searcher, leaf, sub.query, found)
            return found
    elif isinstance(q, (query.Or, query.DisjunctionMax)) and not getattr(q, "minmatch", 0):
        found = set()
        for sub in q.subqueries:
            found |= _docs(leaf_searcher, leaf, sub, within)
        return found
    elif isinstance(q, query.AndNot):
        found = _docs(leaf_searcher, leaf, q.a, within)
        return found - _docs(leaf_searcher, leaf, q.b, found) if found else found
    elif isinstance(q, query.AndMaybe):
        return _docs(leaf_searcher, leaf, q.a, within)
    elif isinstance(q, query.Require):
        return _docs(leaf_searcher, leaf, query.And([q.a, q.b]), within)
    elif isinstance(q, query.Phrase) and adjacent_words(leaf, q):
        btexts = phrase_terms(leaf, q)
        found = _docs(leaf_searcher, leaf, query.And([query.Term(q.fieldname, b) for b in btexts]), within)
        return set(phrase_docs(leaf, q.fieldname, btexts, sorted(found))) if found else found
    elif isinstance(q, query.Every):
        return set(leaf.all_doc_ids()) if within is None else set(within)
    elif q is query.NullQuery:
        return set()
    if within is not None:
        return _probe(q.matcher(leaf_searcher, leaf_searcher.boolean_context()), within)
    return set(q.docs(leaf_searcher))


def estimate(leaf, q: query.Query) -> int:
    """Roughly how many documents `q` matches in the segment, to order a conjunction."""
    if isinstance(q, query.Term):
        if q.fieldname not in leaf.schema:
            return 0
        return leaf.doc_frequency(q.fieldname, q.text)
    if isinstance(q, (query.Or, query.DisjunctionMax)):
        return sum(estimate(leaf, s) for s in q.subqueries)
    if isinstance(q, query.And):
        return min((estimate(leaf, s) for s in q.subqueries if not isinstance(s, query.Not)),
                   default=leaf.doc_count_all())
    if isinstance(q, (query.AndNot, query.AndMaybe)):
        return estimate(leaf, q.a)
    return leaf.doc_count_all()


def adjacent_words(leaf, q: query.Phrase) -> bool:
    """The phrase is words next to each other, in order, in a field with positions: what
    the query parser makes of quotes and of o'neill or e-mail, and what phrase_docs finds."""
    if q.slop != 1 or not q.words or q.fieldname not in leaf.schema:
        return False
    field_format = leaf.schema[q.fieldname].format
    return bool(field_format and field_format.supports("positions"))


def phrase_terms(leaf, q: query.Phrase) -> list[bytes]:
    """The phrase's words as the field's terms, in order."""
    field = leaf.schema[q.fieldname]
    return [field.to_bytes(word) for word in q.words]


def phrase_docs(leaf, fieldname: str, btexts: list[bytes], candidates: list[int]) -> list[int]:
    """Which of the ascending `candidates` (each holding every term) have the terms next to
    each other in order, as Whoosh's SpanNear2 (slop 1, ordered) finds them. Each term's
    positions in the candidates come as numbers document × 2³² + position (from the lean
    postings, else from the candidates' blocks); a phrase starts where the first term's
    number plus k is one of the k-th term's, for every k: array lookups, not a walk."""
    if len(btexts) == 1:
        return candidates
    docs = np.array(candidates, dtype=np.int64)
    by_term = {btext: _position_keys(leaf, fieldname, btext, docs) for btext in set(btexts)}
    starts = by_term[btexts[0]]
    for k, btext in enumerate(btexts[1:], 1):
        keys = by_term[btext]
        if not len(starts) or not len(keys):
            return []
        # The keys ascend (documents ascend, and positions within each): a sorted lookup.
        wanted = starts + k
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        starts = starts[keys[at] == wanted]
    return list(dict.fromkeys((starts >> _POSITION_BITS).tolist()))  # ascending already


_POSITION_BITS = 32


def _position_keys(leaf, fieldname: str, btext: bytes, docs: np.ndarray) -> np.ndarray:
    """The term's positions in each of the ascending `docs` (each holding it), as document
    × 2³² + position, ascending."""
    held = lean_term(leaf, fieldname, btext)  # the docs hold the term: the segment has it
    found = held[0].positions_of(held[1], docs) if held is not None else None
    if found is not None:
        positions, of = found
        return (of << _POSITION_BITS) + positions
    decode = leaf.schema[fieldname].format.decode_positions
    found = _positions(leaf, fieldname, btext, docs.tolist(), decode)
    keys = [(docnum << _POSITION_BITS) + position for docnum in sorted(found) for position in found[docnum]]
    return np.array(keys, dtype=np.int64)


def _positions(leaf, fieldname: str, btext: bytes, candidates: list[int], decode) -> dict[int, list[int]]:
    """The term's positions in each of the ascending `candidates` that holds it, from its
    blocks (a segment whose lean postings have no positions, a term inlined in its TermInfo)."""
    found = raw_postings(leaf, fieldname, btext)
    out: dict[int, list[int]] = {}
    if found is None:
        return out
    i = 0
    for block in blocks(found[0], candidates):
        block._read_ids()
        block._read_values()
        ids, values = block._ids, block._values
        end = bisect.bisect_right(candidates, ids[-1], i)
        for docnum in candidates[i:end]:
            at = bisect.bisect_left(ids, docnum)
            if at < len(ids) and ids[at] == docnum:
                out[docnum] = decode(values[at])
        i = end
    return out


def _probe(postings, within: set[int]) -> set[int]:
    """Which of `within` the matcher matches, skipping to each in turn: only the blocks
    holding a candidate are decoded."""
    found: set[int] = set()
    for docnum in sorted(within):
        if not postings.is_active():
            break
        if postings.id() < docnum:
            postings.skip_to(docnum)
            if not postings.is_active():
                break
        if postings.id() == docnum:
            found.add(docnum)
    return found


def raw_postings(leaf, fieldname: str, text) -> tuple[object, bytes] | None:
    """A term's postings in one segment (deleted documents included) and its bytes; None
    when the segment does not have it."""
    if fieldname not in leaf.schema:
        return None
    field = leaf.schema[fieldname]
    btext = text if isinstance(text, bytes) else field.to_bytes(text)
    if (fieldname, btext) not in leaf:
        return None
    return leaf._terms.matcher(fieldname, btext, field.format), btext


def blocks(postings, candidates: list[int] | None) -> Iterator[object]:
    """The postings at each of their blocks that may hold one of the ascending `candidates`
    (every block when None); the caller decodes what it reads (`_read_ids`, ...). A block
    is skipped on its header, which holds its last id."""
    i = 0
    while postings.is_active():
        if candidates is not None:
            if i == len(candidates):
                return
            last = postings.block_max_id()
            if last < candidates[i]:
                postings._next_block()
                continue
            i = bisect.bisect_right(candidates, last, i)
        yield postings
        postings._next_block()


def _term_docs(leaf, fieldname: str, text, within: set[int] | None) -> set[int]:
    found = raw_postings(leaf, fieldname, text)
    if found is None:
        return set()
    postings, btext = found
    docs: set[int] = set()
    if within is not None and len(within) < leaf.doc_frequency(fieldname, btext):
        for block in blocks(postings, sorted(within)):  # within holds live documents only
            block._read_ids()
            docs |= within.intersection(block._ids)
        return docs
    for block in blocks(postings, None):
        block._read_ids()
        docs.update(block._ids)
    deleted = leaf.deleted_docs_set
    if deleted:
        docs -= deleted
    return docs & within if within is not None else docs
