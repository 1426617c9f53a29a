"""A new segment's postings pooled by term and written as Whoosh writes them, without its
sort and its calls per posting.

Whoosh's PostingPool keeps one (field, term, docnum, weight, value) tuple per posting and
sorts them all at commit; past its memory limit (WRITER_MB shared by the workers: 128 MB
each) it pickles them to sorted runs on disk one by one and merges those back, which a
10,000-article segment of the 100k bench build did (880,000 postings, two runs). Then
FieldWriter.add_postings hands the writer one posting at a time: an order check, the
document's field length through two lookups, add_posting's type assertions and running
statistics, five Python calls for each of the ~70 postings an article has.

Here the postings are kept per term as they come (documents are added in docnum order,
so each term's list is in order already) and only the terms are sorted; a term's postings
are cut into Whoosh's blocks in one piece and each block's statistics taken at once. The
blocks, term infos and files are still written by Whoosh's own code
(W3PostingsWriter._write_block, finish_postings), so a segment's bytes are the same
(tests/test_wordlists.py compares them); past the memory limit the pool still spills to
Whoosh's sorted runs. whoosh-reloaded is pinned to 2.7.5."""
from __future__ import annotations

from array import array
from itertools import groupby
from operator import itemgetter
from pickle import dump
from typing import Iterator

from whoosh.codec import whoosh3
from whoosh.writing import PostingPool

from .lean_postings import LeanWriter
from .whoosh_patches import exact_lengths

# Memory estimates for the pool's limit, in bytes: a posting's slots in its term's lists
# and its weight's float, beside its encoded value; a term's key, lists and dict entry.
POSTING_BYTES = 80
TERM_BYTES = 400

# One term's postings: document numbers, weights, encoded values (None for none).
Postings = tuple[array, list, list]


class TermPool(PostingPool):
    """Whoosh's posting pool (same interface, same sorted runs past its limit) keeping the
    postings grouped by (field, term)."""

    def __init__(self, tempstore, segment, limitmb: int = 128) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._terms: dict[tuple[str, bytes], Postings] = {}
        self._unsorted: set[tuple[str, bytes]] = set()  # a docnum came after a greater one

    def add(self, item: tuple) -> None:
        fieldname, term, docnum, weight, value = item
        key = (fieldname, term)
        postings = self._terms.get(key)
        if postings is None:
            postings = self._terms[key] = (array("I"), [], [])
            self.currentsize += TERM_BYTES + len(term)
            self.fieldnames.add(fieldname)
        docs = postings[0]
        if docs and docnum < docs[-1]:
            self._unsorted.add(key)
        docs.append(docnum)
        postings[1].append(weight)
        postings[2].append(value)
        self.currentsize += POSTING_BYTES + (len(value) if value else 0)
        if self.currentsize > self.limit:
            self.save()

    def _sorted_terms(self) -> Iterator[tuple[str, bytes, array, list, list]]:
        for key in sorted(self._terms):
            docs, weights, values = self._terms[key]
            if key in self._unsorted:
                order = sorted(range(len(docs)), key=docs.__getitem__)
                docs = array("I", [docs[i] for i in order])
                weights = [weights[i] for i in order]
                values = [values[i] for i in order]
            yield key[0], key[1], docs, weights, values

    def save(self) -> None:
        """The pool as one of Whoosh's sorted runs (a pickled posting tuple after another)."""
        if self._terms:
            path, f = self._new_run()
            with f:
                for fieldname, term, docs, weights, values in self._sorted_terms():
                    for posting in zip(docs, weights, values):
                        dump((fieldname, term, *posting), f, 2)
            self._add_run(path)
            self._terms, self._unsorted = {}, set()
        self.currentsize = 0

    def terms(self) -> Iterator[tuple[str, bytes, array, list, list]]:
        """(field, term, docnums, weights, values) in Whoosh's order, each term once."""
        if not self.runs:
            yield from self._sorted_terms()
            return
        self.save()
        runs, self.runs = self.runs, []
        for (fieldname, term), postings in groupby(self._merge_runs(runs), itemgetter(0, 1)):
            postings = list(postings)
            yield (fieldname, term, array("I", [p[2] for p in postings]), [p[3] for p in postings],
                   [p[4] for p in postings])

    def items(self, maxfiles: int = 128) -> Iterator[tuple]:
        for fieldname, term, docs, weights, values in self.terms():
            for posting in zip(docs, weights, values):
                yield (fieldname, term, *posting)


def write_postings(fieldwriter, schema, perdoc, pool: TermPool, lean: LeanWriter) -> None:
    """What `fieldwriter.add_postings(schema, perdoc, pool.iter_postings())` writes; each
    term's ids, weights and positions also go to `lean` (indexer.lean_postings)."""
    if type(fieldwriter) is not whoosh3.W3FieldWriter:
        raise TypeError(f"write_postings writes Whoosh 3 segments, not {type(fieldwriter).__name__}'s")
    for fieldname, in_field in groupby(pool.terms(), itemgetter(0)):
        fieldwriter.start_field(fieldname, schema[fieldname])
        writer = fieldwriter._postwriter
        if writer._byteids:
            raise TypeError("write_postings writes document numbers, not term vectors")
        limit = writer._blocklimit
        lengths = exact_lengths(perdoc, fieldname) if perdoc is not None else None
        field_format = schema[fieldname].format
        decode = field_format.decode_positions if field_format and field_format.supports("positions") else None
        for _, term, docs, weights, values in in_field:
            fieldwriter.start_term(term)
            if len(docs) >= writer._inlinelimit:  # else inlined in its TermInfo
                lean.add(writer._startoffset, docs, weights, map(decode, values) if decode else None)
            for start in range(0, len(docs), limit):
                if start:  # a full block, written when the next posting comes (add_posting)
                    writer._write_block()
                end = start + limit
                _fill_block(writer, docs[start:end], weights[start:end], values[start:end], lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _fill_block(writer, ids: array, weights: list, values: list, lengths: array | None) -> None:
    """The buffered block and statistics add_posting leaves after adding these postings."""
    writer._ids = ids
    writer._weights = array("f", weights)
    writer._values = [value for value in values if value]
    writer._maxweight = max(0, max(weights))
    found = [length for length in map(lengths.__getitem__, ids) if length] if lengths is not None else []
    writer._minlength = min(found) if found else None
    writer._maxlength = max(found) if found else 0
