"""The archive as one object: search, related articles, suggestions and stats.

Thread-safe by construction: each thread gets its own Whoosh searcher (a shared one fails
under load), reopened between requests when a commit or a rebuild made it stale, never
mid-request."""
from __future__ import annotations

import datetime as dt
import html
import threading
import time
from array import array
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from whoosh import collectors, highlight, query, sorting
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.util.times import long_to_datetime

from indexer.schema import ENTITY_FIELDS, split_names
from indexer.store import IndexDir

from .filters import Filter, OldestFirst
from .query import ParsedQuery, parse_query
from .request import QueryError, SearchRequest
from .results import FacetValue, Hit, SearchResult
from .scoring import RecencyBM25F, bm25f
from . import spelling
from .snippets import SNIPPET_CHARS, MarkFormatter, first_sentence, highlighter
from .tables import DocTables, SharedTables

FACET_FIELDS = (*ENTITY_FIELDS, "section")
FACET_SIZE = 10
# Few hits make a misspelling likely; a "did you mean" is only offered when it finds more.
FEW_HITS = 3
TIME_LIMIT_SECONDS = 3.0
RELATED_TERMS = 12
RELATED_ENTITIES = 3
OPEN_ATTEMPTS = 3


@dataclass
class _View:
    """One thread's searcher over one commit, with that commit's shared tables."""

    gen: Path
    ix: object
    searcher: object
    tables: DocTables

    @property
    def reader(self):
        return self.searcher.reader()

    def dates(self) -> array:
        return self.tables.dates(self.reader)

    def newest_date(self) -> dt.datetime | None:
        return self.tables.newest_date(self.reader)

    def docset(self, q: query.Query) -> bytearray:
        return self.tables.docset(self.reader, repr(q), lambda: self.searcher.docs_for_query(q))

    def names_by_doc(self, kind: str) -> list[tuple[str, ...]]:
        return self.tables.names_by_doc(self.reader, kind)

    def months_by_doc(self) -> list[str | None]:
        return self.tables.months_by_doc(self.reader)

    def name_counts(self, kind: str) -> Counter:
        return self.tables.name_counts(self.reader, kind)

    def close(self) -> None:
        self.searcher.close()


class _MatchedDocs(collectors.WrappingCollector):
    """Passes every match the filter allows to the ranking collector and keeps its number.

    Filtering here rather than in Whoosh's FilterCollector keeps the time limit's checks,
    which a FilterCollector inside a TimeLimitCollector would bypass."""

    def __init__(self, child, allowed: Filter | None):
        super().__init__(child)
        self.allowed = allowed
        self.docs: list[int] = []

    def collect(self, sub_docnum: int):
        docnum = self.offset + sub_docnum
        if self.allowed is not None and not self.allowed.allows(docnum):
            return None
        self.docs.append(docnum)
        return self.child.collect(sub_docnum)


class Archive:
    def __init__(self, index_dir: IndexDir | Path | str, time_limit: float = TIME_LIMIT_SECONDS):
        self.index_dir = index_dir if isinstance(index_dir, IndexDir) else IndexDir(index_dir)
        self.time_limit = time_limit
        self._local = threading.local()
        self._lexicon = spelling.Lexicon()
        self._tables = SharedTables()

    # -- searchers ---------------------------------------------------------------------------

    @contextmanager
    def view(self) -> Iterator[_View]:
        """This thread's searcher, fresh as of the last commit when the request starts."""
        view: _View | None = getattr(self._local, "view", None)
        gen = self.index_dir.current()
        if view is not None and (view.gen != gen or not view.searcher.up_to_date()):
            # Forgotten before closing: a failure below must not leave a closed view behind
            # for every later request of this thread.
            self._local.view = None
            view.close()
            view = None
        if view is None:
            view = self._open_view()
            self._local.view = view
        yield view

    def _open_view(self) -> _View:
        """A searcher on the newest commit. Two commits landing while it opens can remove a
        segment the table of contents it read still names (merged away): it opens again."""
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                ix = self.index_dir.open()
                searcher = ix.searcher(weighting=bm25f())
                break
            except FileNotFoundError:
                if attempt == OPEN_ATTEMPTS:
                    raise
        gen = self.index_dir.current()
        return _View(gen=gen, ix=ix, searcher=searcher, tables=self._tables.for_reader(gen, searcher.reader()))

    def close(self) -> None:
        view = getattr(self._local, "view", None)
        if view is not None:
            view.close()
            self._local.view = None

    # -- search ------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        request.validate()
        with self.view() as view:
            reader = view.searcher.reader()
            parsed = parse_query(request.query, view.searcher.schema, reader, request.match,
                                 max_words=request.max_words)
            filters = self._filters(view, request, parsed)
            result = self._run(view, request, parsed, filters, request.match)
            if result.total == 0 and request.match == "all" and not parsed.browse:
                widened = parse_query(request.query, view.searcher.schema, reader, "any",
                                      max_words=request.max_words)
                result = self._run(view, request, widened, filters, "any")
                if result.total:
                    result.notice = "No article has all of your words; showing articles with any of them."
            if result.total < FEW_HITS and not parsed.browse:
                result.suggestion = self._suggest_spelling(view, request, parsed, filters, result.total)
        result.seconds = time.perf_counter() - started
        return result

    def _filters(self, view: _View, request: SearchRequest, parsed: ParsedQuery) -> Filter | None:
        start = dt.datetime.combine(request.since, dt.time()) if request.since else None
        end = dt.datetime.combine(request.until + dt.timedelta(days=1), dt.time()) if request.until else None
        if parsed.date_range:
            lo, hi = parsed.date_range
            start = max(start, lo) if start else lo
            end = min(end, hi) if end else hi
        if start and end and start >= end:
            raise QueryError("no day lies within both date limits")
        docsets: list[bytearray] = []
        analyzer = view.searcher.schema["entity"].analyzer
        for name in request.entities:
            words = [t.text for t in analyzer(name)]
            if not words:
                continue
            exact = [query.Term(kind, name.strip().lower()) for kind in ENTITY_FIELDS]
            phrase = query.Phrase("entity", words) if len(words) > 1 else query.Term("entity", words[0])
            docsets.append(view.docset(query.Or([*exact, phrase])))
        if request.section:
            docsets.append(view.docset(query.Term("section", request.section.strip().lower())))
        return Filter.build(view.dates(), start, end, docsets)

    def _run(self, view: _View, request: SearchRequest, parsed: ParsedQuery,
             filters: Filter | None, match: str) -> SearchResult:
        searcher = view.searcher
        q = parsed.query
        sort = request.sort if not (parsed.browse and request.sort == "relevance") else "newest"
        sortedby = None
        if sort == "newest":
            sortedby = sorting.FieldFacet("date", reverse=True)
        elif sort == "oldest":
            sortedby = OldestFirst()
        newest = view.newest_date()
        weighting = RecencyBM25F(newest) if (request.recency and sort == "relevance" and newest) else bm25f()
        limit = request.page * request.per_page
        partial = False
        searcher.weighting = weighting
        try:
            # Every match is visited once: ranked by the child collector and recorded for the
            # total and the facets (a second pass over the query cost as much as the search).
            # (replace=0: Whoosh's matcher replacement would prune low-scoring matches.)
            ranked = (collectors.TopCollector(limit, usequality=False, replace=0) if sortedby is None
                      else collectors.SortingCollector(sortedby, limit=limit))
            matched_docs = _MatchedDocs(collectors.TermsCollector(ranked), filters)
            timed = TimeLimitCollector(matched_docs, timelimit=self.time_limit, use_alarm=False)
            try:
                searcher.search_with_collector(q, timed)
            except TimeLimit:
                partial = True
            results = timed.results()
            docset = matched_docs.docs
            page_hits = results[(request.page - 1) * request.per_page:limit]
            hits = self._hits(results, page_hits, scored=sortedby is None)
        finally:
            searcher.weighting = bm25f()
        return SearchResult(
            query=request.query, total=len(docset), page=request.page, per_page=request.per_page,
            hits=hits, facets=self._facets(view, docset), match=match, sort=sort, partial=partial)

    def _hits(self, results, page_hits, scored: bool) -> list[Hit]:
        body_marks = highlighter(MarkFormatter())
        whole_marks = highlight.Highlighter(fragmenter=highlight.WholeFragmenter(),
                                            formatter=MarkFormatter())
        hits = []
        for hit in page_hits:
            stored = hit.fields()
            body = stored.get("body", "")
            marks = whole_marks if len(body) <= SNIPPET_CHARS else body_marks
            snippet = marks.highlight_hit(hit, "body", top=3) or html.escape(first_sentence(body))
            headline = stored.get("headline", "")
            headline_html = (whole_marks.highlight_hit(hit, "headline") if headline else "") \
                or html.escape(headline)
            hits.append(Hit(
                id=stored["id"], url=stored.get("url"), path=stored.get("path"), headline=headline,
                date=_iso(stored.get("date")), score=round(float(hit.score or 0.0), 4) if scored else 0.0,
                snippet=snippet, entities={k: split_names(stored.get(k)) for k in ENTITY_FIELDS},
                byline=stored.get("byline"), section=stored.get("section"), headline_html=headline_html))
        return hits

    def _facets(self, view: _View, docset: list[int]) -> dict[str, list[FacetValue]]:
        facets: dict[str, list[FacetValue]] = {}
        for name in FACET_FIELDS:
            names = view.names_by_doc(name)
            counts: Counter = Counter()
            for docnum in docset:
                counts.update(names[docnum])
            facets[name] = [FacetValue(v, n) for v, n in counts.most_common(FACET_SIZE)]
        month_of = view.months_by_doc()
        months = Counter(month_of[d] for d in docset)
        months.pop(None, None)
        facets["month"] = [FacetValue(m, months[m]) for m in sorted(months)]
        return facets

    # -- related, suggestions, stats ---------------------------------------------------------

    def related(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles most like this one: its key body terms and its entities, newer preferred."""
        with self.view() as view:
            searcher = view.searcher
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise KeyError(article_id)
            stored = searcher.stored_fields(docnum)
            text = f"{stored.get('headline', '')}\n{stored.get('body', '')}"
            terms = searcher.key_terms_from_text("body", text, numterms=RELATED_TERMS)
            parts: list[query.Query] = [query.Term("body", word, boost=weight) for word, weight in terms]
            top = max((w for _, w in terms), default=1.0)
            for kind in ENTITY_FIELDS:
                for name in split_names(stored.get(kind))[:RELATED_ENTITIES]:
                    parts.append(query.Term(kind, name.lower(), boost=top))
            if not parts:
                return []
            newest = view.newest_date()
            searcher.weighting = RecencyBM25F(newest) if newest else bm25f()
            try:
                results = searcher.search(query.Or(parts), limit=limit,
                                          mask=query.Term("id", article_id), terms=True)
                return self._hits(results, list(results), scored=True)
            finally:
                searcher.weighting = bm25f()

    def suggest(self, prefix: str, limit: int = 8) -> list[dict[str, str]]:
        """Autocomplete: entity names, then headlines, that a word in them starts with prefix."""
        prefix = " ".join(prefix.split()).casefold()
        if len(prefix) < 2:
            return []
        out: list[dict[str, str]] = []
        with self.view() as view:
            names: Counter = Counter()
            kinds: dict[str, str] = {}
            for kind in ENTITY_FIELDS:
                for name, n in view.name_counts(kind).items():
                    folded = name.casefold()
                    if folded.startswith(prefix) or f" {prefix}" in f" {folded}":
                        names[name] += n
                        kinds.setdefault(name, kind)
            for name, _ in names.most_common(limit // 2 or 1):
                out.append({"value": name, "kind": kinds[name]})
            words = prefix.split()
            analyzer = view.searcher.schema["headline"].analyzer
            stems = [t.text for w in words[:-1] for t in analyzer(w)]
            parts: list[query.Query] = [query.Term("headline", s) for s in stems]
            parts.append(query.Prefix("headline", words[-1]) if len(words[-1]) >= 2 else query.Every())
            results = view.searcher.search(query.And(parts), limit=limit * 2)
            seen = {o["value"].casefold() for o in out}
            for hit in results:
                headline = hit.get("headline") or ""
                if headline and headline.casefold() not in seen and len(out) < limit:
                    seen.add(headline.casefold())
                    out.append({"value": headline, "kind": "headline", "id": hit["id"]})
        return out

    def stats(self) -> dict:
        """Figures for `newsdesk stats` and the site's status page."""
        with self.view() as view:
            reader = view.searcher.reader()
            all_dates = view.dates()
            dates = [all_dates[d] for d in reader.all_doc_ids() if all_dates[d]]
            size = sum(p.stat().st_size for p in view.gen.iterdir() if p.is_file())
            tocs = list(view.gen.glob("_*.toc"))
            updated = max((p.stat().st_mtime for p in tocs), default=None)
            top = {kind: [{"value": name, "count": n} for name, n in view.name_counts(kind).most_common(10)]
                   for kind in ENTITY_FIELDS}
            info = self.index_dir.info(view.gen)
            return {
                "articles": reader.doc_count(),
                "first_date": _iso(long_to_datetime(min(dates))) if dates else None,
                "last_date": _iso(long_to_datetime(max(dates))) if dates else None,
                "undated": reader.doc_count() - len(dates),
                "top_entities": top,
                "index_bytes": size,
                "segments": len(reader.leaf_readers()),
                "last_update": dt.datetime.fromtimestamp(updated, dt.timezone.utc).isoformat(timespec="seconds") if updated else None,
                "schema_version": info.get("schema_version"),
                "index": str(self.index_dir.root),
            }

    def _suggest_spelling(self, view: _View, request: SearchRequest, parsed: ParsedQuery,
                          filters: Filter | None, found: int) -> str | None:
        searcher = view.searcher
        corrected = spelling.correct(searcher.reader(), self._lexicon, request.query)
        if corrected is None:
            return None
        try:
            better = parse_query(corrected, searcher.schema, searcher.reader(), "any").query
        except QueryError:
            return None
        more = sum(1 for d in searcher.docs_for_query(better) if filters is None or filters.allows(d))
        return corrected if more > found else None


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.time() == dt.time():
        return value.date().isoformat()
    return value.isoformat()
