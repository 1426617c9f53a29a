"""Which of the query's terms each shown hit contains: the words its snippet marks.

Whoosh's TermsCollector records this for every match while collecting — at 100,000
articles that was a third of a common word's search. Only one page of hits is ever
highlighted: searches scored by searcher.bulk_scores read them off the per-term scores
(attach); the others look the terms the query's matchers really used (wildcards and fuzzy
words already expanded, per segment) up in the postings of that page's documents (record)."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from whoosh.collectors import WrappingCollector

Term = tuple[str, bytes]


def matcher_terms(collector: WrappingCollector) -> set[Term]:
    """The terms of the matcher the collector is running on its current segment."""
    return {m.term() for m in collector.matcher.term_matchers()}


def existing_terms(reader, q) -> set[Term]:
    """The words of `q` (phrases' included, wildcards not expanded) that the index has.
    Whoosh's Query.existing_terms returns only the first field's: its loop variable
    shadows its `fieldname` argument."""
    found: set[Term] = set()
    for leaf in q.leaves():
        for fieldname, text in leaf.terms(phrases=True):
            if fieldname in reader.schema:
                term = (fieldname, reader.schema[fieldname].to_bytes(text) if isinstance(text, str) else text)
                if term in reader:
                    found.add(term)
    return found


def query_terms(searcher, q) -> set[Term]:
    """The terms of the matchers `q` makes on each segment, for a search that ranks none."""
    terms: set[Term] = set()
    for leaf_searcher, _ in searcher.leaf_searchers():
        terms |= {m.term() for m in q.matcher(leaf_searcher, leaf_searcher.boolean_context()).term_matchers()}
    return terms


def record(results, terms: Iterable[Term], docnums: Iterable[int]) -> None:
    """Give `results` the matched terms of `docnums`, as Whoosh's highlighter reads them."""
    wanted = sorted(set(docnums))
    docterms: dict[int, list[Term]] = defaultdict(list)
    reader = results.searcher.reader()
    for term in sorted(terms):
        postings = reader.postings(*term)
        for docnum in wanted:
            if not postings.is_active():
                break
            if postings.id() < docnum:
                postings.skip_to(docnum)
            if postings.is_active() and postings.id() == docnum:
                docterms[docnum].append(term)
    attach(results, docterms)


def attach(results, docterms: dict[int, list[Term]]) -> None:
    """Set the matched terms of the shown hits where Whoosh's highlighter reads them."""
    termdocs: dict[Term, list[int]] = defaultdict(list)
    for docnum, terms in docterms.items():
        for term in terms:
            termdocs[term].append(docnum)
    results.termdocs = dict(termdocs)
    results.docterms = dict(docterms)
