"""The archive as one object: search, related articles, suggestions and stats.

Thread-safe by construction: each thread gets its own Whoosh searcher (a shared one fails
under load), reopened between requests when a commit or a rebuild made it stale, never
mid-request; in a server (after warm()) once the new commit's tables are built."""
from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
import re
import threading
import time
from array import array
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from whoosh import collectors, query, searching
from whoosh.collectors import TimeLimit, TimeLimitCollector
from whoosh.reading import MultiReader
from whoosh.searching import NoTermsException
from whoosh.util.times import long_to_datetime

from indexer import entity_kinds
from indexer.schema import ENTITY_FIELDS, split_names
from indexer.store import IndexDir

from .filters import Filter
from .name_codes import FacetCodes
from .query import ParsedQuery, parse_query
from .request import QueryError, SearchRequest, day_end
from .results import FacetValue, FullArticle, Hit, SearchResult, Similar
from .scoring import NewsBM25F, RecencyBM25F, bm25f
from . import block_cache, bulk_scores, docsets, expansion, matched_terms, snippets, spelling, stories
from .tables import DocTables, SharedTables

FACET_FIELDS = (*ENTITY_FIELDS, "section")
FACET_SIZE = 10
# Few hits make a misspelling likely; a "did you mean" is only offered when it finds more.
FEW_HITS = 3
# A correction of words no article has is searched instead of them when it finds this many
# times more ("goverment": 1 article, about a governess; "government": 512 on the BBC set).
CLEARLY_MORE = 10
TIME_LIMIT_SECONDS = 3.0
RELATED_TERMS = 12
RELATED_ENTITIES = 3
OPEN_ATTEMPTS = 3
# Up to this many matches of a query bulk_scores cannot score are scored one by one
# rather than by Whoosh's collector.
SCORE_EACH_MAX = 2000
_UNDATED_LAST = 2 ** 64
# Story mates listed under a hit ("3 similar articles"), at most.
MAX_SIMILAR = 10


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

    def recency(self) -> NewsBM25F:
        """BM25F preferring newer articles (plain BM25F when no article has a date)."""
        if self.newest_date() is None:
            return bm25f()
        offsets = {id(leaf): offset for leaf, offset in self.reader.leaf_readers()}
        return RecencyBM25F(self.tables.recency_factors(self.reader), offsets)

    @contextmanager
    def weighting(self, recency: bool) -> Iterator[None]:
        """Rank with (or without) the recency preference inside the block, plain BM25F after:
        highlighting reads postings through the top-level searcher, which a segment's
        recency scorer cannot serve."""
        self.searcher.weighting = self.recency() if recency else bm25f()
        try:
            yield
        finally:
            self.searcher.weighting = bm25f()

    def docset(self, q: query.Query) -> bytearray:
        return self.tables.docset(self.reader, repr(q),
                                  lambda: docsets.matching_docs(self.searcher, q, math.inf).docs)

    def names_by_doc(self, kind: str) -> list[tuple[str, ...]]:
        return self.tables.names_by_doc(self.reader, kind)

    def stories(self) -> array:
        return self.tables.stories(self.reader)

    def story_members(self) -> dict[int, list[int]]:
        return self.tables.story_members(self.reader)

    def months_by_doc(self) -> list[str | None]:
        return self.tables.months_by_doc(self.reader)

    def facet_codes(self) -> FacetCodes:
        return self.tables.facet_codes(self.reader, FACET_FIELDS)

    def name_counts(self, kind: str) -> Counter:
        return self.tables.name_counts(self.reader, kind)

    def entity_kinds(self) -> dict[str, str]:
        return self.tables.entity_kinds(self.reader)

    def stored(self, docnum: int) -> dict:
        """A document's stored fields as its segment holds them. Whoosh's reader also drops
        those its schema no longer has, 8 of a 22 µs read; every field here is read by name,
        so one an old segment still holds is never seen."""
        reader = self.reader
        if isinstance(reader, MultiReader):
            segment, docnum = reader._segment_and_docnum(docnum)
            reader = reader.readers[segment]
        return reader._perdoc.stored_fields(docnum)

    def entities(self, stored: dict) -> dict[str, list[str]]:
        """An article's names as its chips show them: kinds and drops as the facets count."""
        return entity_kinds.shown({k: split_names(stored.get(k)) for k in ENTITY_FIELDS}, self.entity_kinds())

    def close(self) -> None:
        self.searcher.close()


class _Allowed(collectors.WrappingCollector):
    """Ranks only the matches the filter allows, and notes the terms the query's matchers
    use (searcher.matched_terms).

    Filtering here rather than in Whoosh's FilterCollector keeps the time limit's checks,
    which a FilterCollector inside a TimeLimitCollector would bypass."""

    def __init__(self, child, allowed: set[int] | None):
        super().__init__(child)
        self.allowed = allowed
        self.terms: set[matched_terms.Term] = set()

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        self.terms |= matched_terms.matcher_terms(self)

    def collect(self, sub_docnum: int):
        if self.allowed is not None and self.offset + sub_docnum not in self.allowed:
            return None
        return self.child.collect(sub_docnum)


class Archive:
    def __init__(self, index_dir: IndexDir | Path | str, time_limit: float = TIME_LIMIT_SECONDS):
        self.index_dir = index_dir if isinstance(index_dir, IndexDir) else IndexDir(index_dir)
        self.time_limit = time_limit
        self._local = threading.local()
        self._tables = SharedTables()
        self._lexicon = spelling.Lexicon(self._tables.segment_words)
        # After warm(): new commits are warmed by one thread at a time (held while it runs),
        # and searches go on with the commit they have until one newer is (see view).
        self._warm_commits = False
        self._warming = threading.Lock()
        # (generation directory, newest commit number there) when the last warming to
        # finish began.
        self._warmed_for: tuple[Path | None, int] | None = None

    # -- searchers ---------------------------------------------------------------------------

    @contextmanager
    def view(self) -> Iterator[_View]:
        """This thread's searcher, fresh as of the last commit when the request starts; after
        warm(), as of the last commit warmed: a thread of its own builds a new commit's
        tables while searches go on with the commit before (they took 0.4 s of the first
        search after each commit at 100,000 articles)."""
        view: _View | None = getattr(self._local, "view", None)
        if view is not None:
            gen = self.index_dir.current()
            newest = view.ix.latest_generation() if view.gen == gen else None
            if newest != view.reader.generation():
                if self._warm_commits and newest is not None and not self._warmed_since(view):
                    self._warm_in_background(gen, newest)
                else:
                    # Forgotten before closing: a failure below must not leave a closed view
                    # behind for every later request of this thread.
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

    def warm(self) -> None:
        """Build now what searches read from the newest commit, instead of in the first search
        (1.9 s of a first search at 100,000 articles, then 0.15 s more in the first with an
        unknown word): its date, recency, story and name tables, every segment's word list
        and the spelling dictionary: a server process calls it before it answers. From then
        on each new commit is warmed the same way before searches move to it (view)."""
        self._warm_newest()
        self._warm_commits = True

    def _warm_newest(self) -> None:
        with self.view() as view:
            began = (view.gen, view.ix.latest_generation())
            view.recency()
            view.story_members()
            view.entity_kinds()
            view.facet_codes()
            spelling.warm(view.searcher.reader(), self._lexicon)
        self._warmed_for = began

    def _warmed_since(self, view: _View) -> bool:
        """Whether a warming that began after the view's commit has finished: then the
        view moves on (a commit that landed meanwhile is built by its first search)."""
        warmed = self._warmed_for
        in_use = view.reader.generation()  # None when the index has no articles yet
        return warmed is not None and warmed[0] == view.gen and warmed[1] > (-1 if in_use is None else in_use)

    def _warm_in_background(self, gen: Path | None, newest: int) -> None:
        if not self._warming.acquire(blocking=False):
            return  # one is running

        def run() -> None:
            try:
                self._warm_newest()
            except Exception:  # searches move on and meet the damage as without warming
                self._warmed_for = (gen, newest)
            finally:
                self.close()
                self._warming.release()

        threading.Thread(target=run, name="newsdesk-warm-commit", daemon=True).start()

    # -- search ------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        deadline = started + self.time_limit
        request.validate()
        with self.view() as view, block_cache.decoded_blocks(), expansion.budget(deadline):
            parsed = self._parse(view, request, request.match)
            filters = self._filters(view, request, parsed)
            counted: dict[tuple[str, str], int] = {}
            result = self._words(view, request, parsed, filters, deadline, counted)
            if not parsed.browse and not parsed.notice:
                result = self._spelling(view, request, filters, result, counted)
        result.seconds = time.perf_counter() - started
        return result

    def _parse(self, view: _View, request: SearchRequest, match: str) -> ParsedQuery:
        return parse_query(request.query, view.searcher.schema, view.searcher.reader(), match,
                           max_words=request.max_words)

    def _words(self, view: _View, request: SearchRequest, parsed: ParsedQuery, filters: Filter | None,
               deadline: float, counted: dict[tuple[str, str], int]) -> SearchResult:
        """The request's words searched; with match=all and no article having them all, any.
        Each whole search's number of articles goes in `counted` by (query, match): the
        spelling suggestion compares them."""
        def record(result: SearchResult, match: str) -> SearchResult:
            if not result.partial:
                counted[request.query, match] = result.articles
            return result

        result = record(self._run(view, request, parsed, filters, request.match, deadline), request.match)
        if parsed.notice:
            result.notice = parsed.notice
        elif result.total == 0 and request.match == "all" and not parsed.browse:
            widened = self._parse(view, request, "any")
            if widened.query == parsed.query:  # one word or one phrase: the same search again
                return record(result, "any")
            result = record(self._run(view, request, widened, filters, "any", deadline), "any")
            if result.total:
                result.notice = "No article has all of your words; showing articles with any of them."
        return result

    def _filters(self, view: _View, request: SearchRequest, parsed: ParsedQuery) -> Filter | None:
        start = dt.datetime.combine(request.since, dt.time()) if request.since else None
        end = day_end(request.until) if request.until else None
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
             filters: Filter | None, match: str, deadline: float) -> SearchResult:
        """Every match, for the total and the facets, and the page's hits: the best scored or
        the newest. Words and AND/OR/NOT are scored in one pass with their match set
        (bulk_scores), whatever the sort; other queries find their matches first (docsets),
        then rank them."""
        searcher = view.searcher
        q = parsed.query
        sort = request.sort if not (parsed.browse and request.sort == "relevance") else "newest"
        limit = request.page * request.per_page
        # Sorted by date too: the match set comes with the scores, from the kept postings.
        scored = self._all_scored(view, request, q, deadline)
        terms: set[matched_terms.Term] = set()
        if scored is not None:
            allowed = filters.mask(scored.docs) if filters is not None else None
            docs = (scored.docs if allowed is None else scored.docs[allowed]).tolist()
            partial = scored.partial

            def rank(n: int):
                if sort == "relevance":
                    return searching.Results(searcher, q, scored.best(n, allowed))
                return searching.Results(searcher, q, _by_date(view.dates(), docs, n, sort == "newest"))

            def matched(d: int) -> bool:
                return scored.holds(d) and (filters is None or filters.allows(d))
        else:
            matches = docsets.matching_docs(searcher, q, deadline)
            docs = matches.docs if filters is None else [d for d in matches.docs if filters.allows(d)]
            partial = matches.partial

            def matched(d: int) -> bool:  # docs ascend
                i = bisect.bisect_left(docs, d)
                return i < len(docs) and docs[i] == d

            def rank(n: int):
                nonlocal terms, partial
                if not docs:
                    return searching.Results(searcher, q, [])
                if sort == "relevance":
                    results, terms, cut = self._ranked(view, request, q, docs, filters is not None, n, deadline)
                    partial = partial or cut
                    return results
                terms = matched_terms.query_terms(searcher, q)
                return searching.Results(searcher, q, _by_date(view.dates(), docs, n, sort == "newest"))
        story = view.stories() if request.collapse else None
        results, shown = _collapsed(rank, limit, len(docs), story)
        page_hits = [results[i] for i in shown[(request.page - 1) * request.per_page:limit]]
        if scored is not None:
            matched_terms.attach(results, scored.terms_of([hit.docnum for hit in page_hits]))
        else:
            matched_terms.record(results, terms, (hit.docnum for hit in page_hits))
        hits = self._hits(view, results, page_hits, scored=sort == "relevance")
        if story is not None:
            self._add_similar(view, hits, [hit.docnum for hit in page_hits], matched, story)
        # Totals, pages, facets and the month chart count what the list shows: stories.
        counted = docs if story is None else stories.firsts(docs, story)
        return SearchResult(
            query=request.query, total=len(counted), page=request.page, per_page=request.per_page,
            hits=hits, facets=self._facets(view, counted), match=match, sort=sort, partial=partial,
            articles=len(docs))

    def _add_similar(self, view: _View, hits: list[Hit], docnums: list[int], matched, story: array) -> None:
        """Each shown hit's story mates among the matches (`matched`), newest first, equal
        dates in document order: looked up in the hit's story, not among every match."""
        groups = view.story_members()
        dates = view.dates()
        for hit, docnum in zip(hits, docnums):
            mates = [d for d in groups.get(story[docnum], ()) if d != docnum and matched(d)]
            for d in sorted(mates, key=lambda d: -dates[d])[:MAX_SIMILAR]:
                stored = view.stored(d)
                hit.similar.append(Similar(
                    id=stored["id"], url=stored.get("url"), path=stored.get("path"),
                    headline=stored.get("headline", ""), date=_iso(stored.get("date"), stored.get("date_offset"))))

    def _all_scored(self, view: _View, request: SearchRequest, q: query.Query,
                    deadline: float) -> bulk_scores.Scored | None:
        with view.weighting(request.recency):
            return bulk_scores.all_scores(view.searcher, q, deadline)

    def _ranked(self, view: _View, request: SearchRequest, q: query.Query, docs: list[int],
                filtered: bool, limit: int, deadline: float) -> tuple[object, set, bool]:
        """The top `limit` of `docs` by score, the terms the matchers used, and whether time
        ran out, for queries bulk_scores cannot score (phrases, wildcards): a few matches
        are scored one by one, the matcher skipping straight to each; many by Whoosh's
        collector, which skips the blocks that cannot reach the top."""
        searcher = view.searcher
        with view.weighting(request.recency):
            if len(docs) <= SCORE_EACH_MAX:
                top_n, terms, cut = _score_each(searcher, q, docs, limit, deadline)
                return searching.Results(searcher, q, top_n), terms, cut
            # replace=0: Whoosh's matcher replacement drops matches that belong in the top
            # (seen at 100,000 articles: a best-scoring article missing from the first page).
            collector = _Allowed(collectors.TopCollector(limit, replace=0), set(docs) if filtered else None)
            timed = TimeLimitCollector(collector, timelimit=max(0.001, deadline - time.perf_counter()),
                                       use_alarm=False)
            cut = False
            try:
                searcher.search_with_collector(q, timed)
            except TimeLimit:
                cut = True
            return timed.results(), collector.terms, cut

    def _hits(self, view: _View, results, page_hits, scored: bool, lead_only: bool = False) -> list[Hit]:
        """The page's hits; `lead_only` shows each one's lead sentence, unmarked (a related
        article matched by its key words, not by words a reader typed)."""
        schema = results.searcher.schema
        body_query, headline_query = (snippets.QueryMarks.of(results.q, f) for f in ("body", "headline"))
        hits = []
        for hit in page_hits:
            stored = view.stored(hit.docnum)
            body = stored.get("body", "")
            try:
                matched = [] if lead_only else hit.matched_terms()
            except NoTermsException:
                matched = []
            body_marks = body_query.marks(matched)
            snippet = snippets.snippet(body, schema["body"].analyzer, body_marks) if body_marks and not lead_only \
                else snippets.lead_sentence(body)
            headline = stored.get("headline", "")
            headline_html = snippets.render(headline, 0, len(headline), snippets.match_spans(
                headline, schema["headline"].analyzer, headline_query.marks(matched)))
            hits.append(Hit(
                id=stored["id"], url=stored.get("url"), path=stored.get("path"), headline=headline,
                date=_iso(stored.get("date"), stored.get("date_offset")), score=round(float(hit.score or 0.0), 4) if scored else 0.0,
                snippet=snippet, entities=view.entities(stored),
                byline=stored.get("byline"), section=stored.get("section"), headline_html=headline_html,
                image=stored.get("image")))
        return hits

    def _facets(self, view: _View, docset: Sequence[int]) -> dict[str, list[FacetValue]]:
        """Counts per name over every match, most first, equal counts by name (whatever
        the order of `docset`). Counted in arrays, every facet at once (searcher.name_codes)."""
        codes = view.facet_codes()
        found = codes.counts(np.array(docset, dtype=np.int64))
        facets = {name: [FacetValue(v, n) for v, n in codes.top(found, name, FACET_SIZE)] for name in FACET_FIELDS}
        facets["month"] = [FacetValue(m, n) for m, n in sorted(codes.top(found, "month"))]
        return facets

    # -- related, suggestions, stats ---------------------------------------------------------

    def related(self, article_id: str, limit: int = 5) -> list[Hit]:
        """Articles most like this one: its key body terms and its entities, newer preferred."""
        with self.view() as view, block_cache.decoded_blocks():
            searcher = view.searcher
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise KeyError(article_id)
            stored = view.stored(docnum)
            text = f"{stored.get('headline', '')}\n{stored.get('body', '')}"
            terms = searcher.key_terms_from_text("body", text, numterms=RELATED_TERMS)
            parts: list[query.Query] = [query.Term("body", word, boost=weight) for word, weight in terms]
            top = max((w for _, w in terms), default=1.0)
            for kind in ENTITY_FIELDS:
                for name in split_names(stored.get(kind))[:RELATED_ENTITIES]:
                    parts.append(query.Term(kind, name.lower(), boost=top))
            if not parts:
                return []
            related_query = query.Or(parts)
            story = view.stories()
            twins = set(view.story_members().get(story[docnum], [docnum]))
            # Scored term by term (bulk_scores): Whoosh's collector walked the union of the
            # terms' postings match by match, ~0.3 s an article at 10,000 articles.
            with view.weighting(recency=True):
                scored = bulk_scores.all_scores(searcher, related_query, time.perf_counter() + self.time_limit)
            others = ~np.isin(scored.docs, sorted(twins))
            results = searching.Results(searcher, related_query, scored.best(limit * 3, others))
            ranked = results[:]
            firsts = set(stories.leaders((hit.docnum for hit in ranked), story))
            shown = [hit for hit in ranked if hit.docnum in firsts][:limit]
            return self._hits(view, results, shown, scored=True, lead_only=True)

    def article(self, article_id: str) -> FullArticle:
        """One article whole, for its page; KeyError when the index has none with that id."""
        with self.view() as view:
            docnum = view.searcher.document_number(id=article_id)
            if docnum is None:
                raise KeyError(article_id)
            stored = view.stored(docnum)
            entities = view.entities(stored)
        paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n(?=\s)", stored.get("body", ""))]
        return FullArticle(
            id=stored["id"], url=stored.get("url"), path=stored.get("path"),
            headline=stored.get("headline", ""), date=_iso(stored.get("date"), stored.get("date_offset")),
            byline=stored.get("byline"), section=stored.get("section"),
            paragraphs=[p for p in paragraphs if p],
            entities=entities, image=stored.get("image"))

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
                        archive_kind = view.entity_kinds().get(name, kind)
                        if archive_kind != entity_kinds.DROPPED:
                            names[name] += n
                            kinds.setdefault(name, archive_kind)
            for name, _ in names.most_common(limit // 2 or 1):
                out.append({"value": name, "kind": kinds[name]})
            words = prefix.split()
            analyzer = view.searcher.schema["headline"].analyzer
            stems = [t.text for w in words[:-1] for t in analyzer(w)]
            parts: list[query.Query] = [query.Term("headline", s) for s in stems]
            parts.append(expansion.BudgetedPrefix("headline", words[-1]) if len(words[-1]) >= 2 else query.Every())
            seen = {o["value"].casefold() for o in out}
            for docnum in self._best_headlines(view, query.And(parts), limit * 2):
                stored = view.stored(docnum)
                headline = stored.get("headline") or ""
                if headline and headline.casefold() not in seen and len(out) < limit:
                    seen.add(headline.casefold())
                    out.append({"value": headline, "kind": "headline", "id": stored["id"],
                                "url": stored.get("url"), "path": stored.get("path")})
        return out

    def _best_headlines(self, view: _View, q: query.Query, limit: int) -> list[int]:
        """The best-scored articles for a suggestion's headline words, scored term by term
        (Whoosh's matcher tree took 2.4 s over the 300 headline words starting "co"); none
        when the last word starts too many headline words: the names still come."""
        deadline = time.perf_counter() + self.time_limit
        try:
            with block_cache.decoded_blocks(), expansion.budget(deadline):
                scored = bulk_scores.all_scores(view.searcher, q, deadline)
                if scored is None:  # a last word of one letter: Every
                    return [hit.docnum for hit in view.searcher.search(q, limit=limit)]
        except QueryError:
            return []
        return [docnum for _, docnum in scored.best(limit)]

    def stats(self) -> dict:
        """Figures for `newsdesk stats` and the site's status page."""
        with self.view() as view:
            reader = view.searcher.reader()
            all_dates = view.dates()
            dates = [all_dates[d] for d in reader.all_doc_ids() if all_dates[d]]
            size = sum(p.stat().st_size for p in view.gen.iterdir() if p.is_file())
            tocs = list(view.gen.glob("_*.toc"))
            updated = max((p.stat().st_mtime for p in tocs), default=None)
            counts = entity_kinds.regroup({kind: view.name_counts(kind) for kind in ENTITY_FIELDS}, view.entity_kinds())
            top = {kind: [{"value": name, "count": n} for name, n in counts[kind].most_common(10)]
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

    def _spelling(self, view: _View, request: SearchRequest, filters: Filter | None,
                  result: SearchResult, counted: dict[tuple[str, str], int]) -> SearchResult:
        """The query's unknown words corrected. The correction is searched instead ("Showing
        results for") when no corrected word is in any article as written and it finds
        CLEARLY_MORE times what the typed words find (with the request's match); it is offered
        ("Did you mean") when the result has few hits or fell back to any word, and it finds
        more with the request's match or with the one shown."""
        searcher = view.searcher
        correction = spelling.correct(searcher.reader(), self._lexicon, request.query)
        if correction is None:
            return result
        # A search of its own, with its own time limit: reading the word lists and the
        # dictionary the first time takes seconds on a busy machine.
        deadline = time.perf_counter() + self.time_limit

        def found(text: str, match: str) -> int:
            if (text, match) in counted:  # searched whole already
                return counted[text, match]
            q = parse_query(text, searcher.schema, searcher.reader(), match,
                            max_words=request.max_words).query
            matches = docsets.matching_docs(searcher, q, deadline).docs
            return sum(1 for d in matches if filters is None or filters.allows(d))

        try:
            typed, fixed = found(request.query, request.match), found(correction.text, request.match)
            if correction.unseen and not request.as_typed and fixed > CLEARLY_MORE * typed:
                instead = replace(request, query=correction.text)
                shown = self._words(view, instead, self._parse(view, instead, request.match), filters, deadline,
                                    counted)
                # Cut short before its first hit (a cold start on a busy machine), it would
                # show nothing: the typed words' result stands, with the correction offered.
                if shown.hits or not shown.partial:
                    shown.query, shown.corrected = request.query, correction.text
                    return shown
            if result.total < FEW_HITS or result.match != request.match:
                if fixed > typed or (result.match != request.match
                                     and found(correction.text, result.match) > found(request.query, result.match)):
                    result.suggestion = correction.text
        except QueryError:
            pass
        return result


def _collapsed(rank, limit: int, matches: int, story: array | None) -> tuple[object, list[int]]:
    """The ranked results and the positions in them to list: every one, or the first of
    each story. Ranks more when twins leave fewer than `limit` stories in the top."""
    fetch = limit
    while True:
        results = rank(fetch)
        if story is None:
            return results, list(range(results.scored_length()))
        docnums = [results.docnum(i) for i in range(results.scored_length())]
        firsts = set(stories.leaders(docnums, story))
        shown = [i for i, d in enumerate(docnums) if d in firsts]
        if len(shown) >= limit or len(docnums) < fetch or fetch >= matches:
            return results, shown
        fetch *= 4


def _score_each(searcher, q: query.Query, docs: list[int], limit: int,
                deadline: float) -> tuple[list[tuple[float, int]], set, bool]:
    """(score, docnum) of the best `limit` of `docs` (ascending), ties to the lower number
    as Whoosh's TopCollector breaks them; the terms of the matchers; whether time ran out."""
    context = searcher.context()
    scored: list[tuple[float, int]] = []
    terms: set[matched_terms.Term] = set()
    for leaf_searcher, offset in searcher.leaf_searchers():
        end = offset + leaf_searcher.doc_count_all()
        local = docs[bisect.bisect_left(docs, offset):bisect.bisect_left(docs, end)]
        if not local:
            continue
        matcher = q.matcher(leaf_searcher, context)
        terms |= {m.term() for m in matcher.term_matchers()}
        for docnum in local:
            if matcher.is_active() and matcher.id() < docnum - offset:
                matcher.skip_to(docnum - offset)
            if not matcher.is_active():
                break
            if matcher.id() == docnum - offset:
                scored.append((matcher.score(), -docnum))
        if time.perf_counter() > deadline:
            return _top(scored, limit), terms, True
    return _top(scored, limit), terms, False


def _top(scored: list[tuple[float, int]], limit: int) -> list[tuple[float, int]]:
    return [(score, -negated) for score, negated in heapq.nlargest(limit, scored)]


def _by_date(dates: Sequence[int], docs: list[int], limit: int, newest: bool) -> list[tuple[int, int]]:
    """(date, docnum) of the `limit` newest or oldest; undated articles come last either way."""
    if newest:
        return [(dates[d], d) for d in heapq.nlargest(limit, docs, key=dates.__getitem__)]
    return [(dates[d], d) for d in heapq.nsmallest(limit, docs, key=lambda d: dates[d] or _UNDATED_LAST)]


def _iso(value: dt.datetime | None, offset_minutes: int | None = None) -> str | None:
    """The publisher's local day, or its local time with the stated offset."""
    if value is None:
        return None
    if value.time() == dt.time():
        return value.date().isoformat()
    if offset_minutes is not None:
        value = value.replace(tzinfo=dt.timezone(dt.timedelta(minutes=offset_minutes)))
    return value.isoformat()
