import datetime as dt
import html
import json

import pytest

from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, QueryError, SearchRequest

from .conftest import corpus


@pytest.fixture(scope="session")
def archive(examples_index) -> Archive:
    return Archive(examples_index)


def search(archive, q="", **kw) -> "SearchResult":
    return archive.search(SearchRequest(query=q, **kw))


def headlines(result) -> list[str]:
    return [h.headline for h in result.hits]


def test_plain_word_finds_seed_with_mark_in_snippet(archive):
    result = search(archive, "drone")
    assert "US, Russian military chiefs resume contact to discuss drone" in headlines(result)
    seed = next(h for h in result.hits if h.id == "london-daily-us-russia-drone.txt")
    assert "<mark>drone</mark>" in seed.snippet


def test_stemming_finds_other_forms(archive):
    assert "Ukraine restores power to Kyiv after overnight drone attack" in headlines(search(archive, "drones"))


def test_headline_match_ranks_above_body_only_match(bbc):
    result = search(bbc, "broadband", per_page=5, recency=False)
    assert all("broadband" in h.lower() for h in headlines(result)[:3])


def test_phrase_only_matches_adjacent_words(archive):
    assert headlines(search(archive, '"black sea"')) == \
        ["US, Russian military chiefs resume contact to discuss drone"]
    assert search(archive, '"sea black"').total == 0


def test_boolean_operators_and_minus(archive):
    drone = search(archive, "drone").total
    assert drone == 3
    assert search(archive, "drone -russian").total == 1  # Gatwick only
    assert search(archive, "drone NOT gatwick").total == 2
    assert search(archive, "gatwick OR kyiv").total == 2
    assert search(archive, "drone AND gatwick").total == 1


def test_fields_and_entities(archive):
    assert headlines(search(archive, 'entity:"Lloyd Austin"')) == \
        ["US, Russian military chiefs resume contact to discuss drone"]
    assert search(archive, "person:milley").total == 1
    assert search(archive, "headline:barrier").total == 1
    assert search(archive, "section:business").total == 2
    assert search(archive, "byline:okafor").total == 2
    assert search(archive, "place:ukraine").total == 2


def test_dates_in_the_query(archive):
    assert search(archive, "date:2025-12").total == 2
    assert search(archive, "date:2026-01-07").total == 1
    assert search(archive, "date:[2026-01-05 TO 2026-01-08]").total == 3
    # Whoosh's own date plugin reads this as all of 2026; we keep the stated range.
    assert search(archive, "date:[2026-01-01 to 2026-01-06]").total == 1
    assert search(archive, "drone date:[2025-12-01 TO 2025-12-31]").total == 1


def test_natural_dates_are_relative_to_today(tmp_path):
    today = dt.date.today()
    export = tmp_path / "fresh.jsonl"
    export.write_text("\n".join(json.dumps(o) for o in [
        {"id": "y", "headline": "Radio mast falls", "body": "A radio mast fell.", "date": (today - dt.timedelta(days=1)).isoformat()},
        {"id": "old", "headline": "Radio history", "body": "Old radio news.", "date": "2001-05-05"},
    ]))
    update_index([tmp_path], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    assert [h.id for h in search(archive, "date:yesterday radio").hits] == ["y"]
    assert [h.id for h in search(archive, 'radio date:"last week"').hits] == ["y"]
    assert search(archive, "date:today").total == 0


def test_match_all_falls_back_to_any_with_a_notice(archive):
    result = search(archive, "gatwick zelensky")
    assert result.match == "any" and result.total == 2 and result.notice
    assert search(archive, "gatwick zelensky", match="any").notice is None
    assert search(archive, "gatwick runway").notice is None


def test_one_phrase_without_a_match_is_not_searched_again_as_any(archive, monkeypatch):
    runs = []
    real = Archive._run
    monkeypatch.setattr(Archive, "_run", lambda self, view, request, parsed, filters, match, deadline: (
        runs.append(match) or real(self, view, request, parsed, filters, match, deadline)))
    result = search(archive, '"gatwick zelensky"')
    assert (result.total, result.match, result.notice, runs) == (0, "all", None, ["all"])
    runs.clear()
    assert search(archive, "gatwick zelensky").total == 2 and runs == ["all", "any"]


def test_any_ranks_articles_with_more_of_the_words_first(archive):
    result = search(archive, "drone gatwick runway", match="any")
    assert result.hits[0].id == "ld-2025-12-29-drone-airport"


def test_filters_since_until_entity_section(archive):
    assert search(archive, "drone", since=dt.date(2026, 1, 1)).total == 2
    assert search(archive, "drone", until=dt.date(2025, 12, 31)).total == 1
    assert search(archive, "", entities=["Lloyd Austin"]).total == 1
    assert search(archive, "", entities=["lloyd austin"]).total == 1
    assert search(archive, "", section="uk").total == 2
    with pytest.raises(QueryError):
        search(archive, "drone", since=dt.date(2026, 2, 1), until=dt.date(2026, 1, 1))


def test_sorts(archive):
    newest = [h.date for h in search(archive, "", sort="newest", per_page=20).hits]
    assert newest == sorted(newest, reverse=True) and len(newest) == 8
    oldest = [h.date for h in search(archive, "", sort="oldest", per_page=20).hits]
    assert oldest == sorted(oldest)


def test_undated_articles_sort_last_both_ways(bbc, tmp_path):
    export = tmp_path / "a.jsonl"
    export.write_text(json.dumps({"id": "d", "body": "kettle news", "date": "2020-01-01"}) + "\n"
                      + json.dumps({"id": "u", "body": "kettle news again"}) + "\n")
    update_index([tmp_path], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    assert [h.id for h in search(archive, "kettle", sort="newest").hits] == ["d", "u"]
    assert [h.id for h in search(archive, "kettle", sort="oldest").hits] == ["d", "u"]


def test_pagination_and_bounds(bbc):
    first = search(bbc, "government", per_page=10)
    second = search(bbc, "government", per_page=10, page=2)
    assert first.total == second.total > 20
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    beyond = search(bbc, "government", per_page=10, page=first.pages + 1)
    assert beyond.hits == [] and beyond.total == first.total
    for bad in [dict(page=0), dict(per_page=0), dict(per_page=101)]:
        with pytest.raises(QueryError):
            search(bbc, "government", **bad)


def test_facets_count_the_whole_result_set(bbc, archive):
    every = search(bbc, "", collapse=False)
    sections = {f.value: f.count for f in every.facets["section"]}
    assert sections == {"business": 510, "sport": 511, "politics": 417, "tech": 401, "entertainment": 386}
    # Collapsed, facets count stories, as the list does: the BBC set's twins count once.
    once = search(bbc, "")
    stories = {f.value: f.count for f in once.facets["section"]}
    assert sum(stories.values()) <= once.total < every.total == once.articles  # the READMEs: no section
    assert all(stories[k] <= sections[k] for k in sections) and stories != sections
    facets = search(archive, "drone").facets
    assert {"value": "Ukraine", "count": 2} in [vars(f) for f in facets["places"]]
    assert [vars(f) for f in facets["month"]] == [{"value": "2025-12", "count": 1}, {"value": "2026-01", "count": 2}]


def test_snippets_escape_article_text(tmp_path):
    export = tmp_path / "x.jsonl"
    # Escaped in the export (which is read as HTML), so the article's text holds the markup.
    export.write_text(json.dumps({"id": "x", "headline": html.escape("Fish & <b>chips</b>"), "body": html.escape(
        'Prices of fish & chips rose. <script>alert(1)</script> "chips" <img src=x onerror=alert(1)>')}))
    update_index([tmp_path], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    hit = search(Archive(tmp_path / "ix"), "chips").hits[0]
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert "<img" not in hit.snippet and "&amp;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert hit.headline_html == "Fish &amp; &lt;b&gt;<mark>chips</mark>&lt;/b&gt;"


def test_hit_without_body_terms_shows_first_sentence(archive):
    hit = search(archive, "headline:barrier").hits[0]
    assert hit.snippet.startswith("The Environment Agency closed the Thames Barrier on Monday")
    assert "<mark>" not in hit.snippet


def test_a_suggestion_counts_the_typed_words_from_the_search_itself(archive, monkeypatch):
    """After match=all found nothing and any was shown, the suggestion compares counts the
    search already has for the typed words: only the correction is counted anew."""
    from searcher import archive as archive_module

    counted = []
    real = archive_module.docsets.matching_docs
    monkeypatch.setattr(archive_module.docsets, "matching_docs",
                        lambda searcher, q, deadline: counted.append(repr(q)) or real(searcher, q, deadline))
    result = archive.search(SearchRequest(query="gatwick zelensky dronne", as_typed=True))
    assert (result.match, result.suggestion) == ("any", "gatwick zelensky drone")
    assert counted and not any("'dronne'" in q for q in counted) and all("'drone'" in q for q in counted)


def test_spelling_suggestion_only_when_it_finds_more(archive, bbc):
    assert search(archive, "dron").corrected == "drone"
    assert archive.search(SearchRequest(query="dron", as_typed=True)).suggestion == "drone"
    assert search(archive, "drone").suggestion is None and search(archive, "drone").corrected is None
    assert search(bbc, "goverment").corrected == "government"
    assert search(archive, "qqqqzzzz").suggestion is None and search(archive, "qqqqzzzz").corrected is None


def test_spelling_follows_commits(articles_dir, tmp_path):
    root = tmp_path / "ix"
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    archive = Archive(root)
    assert search(archive, "zeppelinn").corrected is None  # no such word yet
    (articles_dir / "airship.jsonl").write_text(json.dumps(
        {"id": "airship", "headline": "Zeppelin returns", "body": "A zeppelin flew over Kent."}) + "\n")
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    assert search(archive, "zeppelinn").corrected == "zeppelin"  # read from the new segment
    (articles_dir / "airship.jsonl").unlink()
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    assert search(archive, "zeppelinn").corrected is None  # its article is gone


def test_threads_share_the_tables_of_one_commit(articles_dir, tmp_path):
    import threading

    root = tmp_path / "ix"
    update_index([articles_dir], IndexDir(root), workers=1)
    archive = Archive(root)
    seen, totals = [], []

    def request() -> None:
        with archive.view() as view:
            seen.append(view.tables)
        totals.append(search(archive, "drone", entities=["Russia"]).total)

    threads = [threading.Thread(target=request) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 3 and seen[0] is seen[1] is seen[2]
    assert totals == [totals[0]] * 3 and totals[0] >= 1
    (articles_dir / "late.jsonl").write_text(json.dumps({"id": "late", "body": "Drone over Moscow."}) + "\n")
    update_index([articles_dir], IndexDir(root), workers=1)
    with archive.view() as view:
        assert view.tables is not seen[0]  # a new commit, new tables
    assert search(archive, "drone").total == 4


def test_a_commit_builds_tables_for_its_new_segment_only(articles_dir, tmp_path, monkeypatch):
    from searcher import tables

    root = tmp_path / "ix"
    update_index([articles_dir], IndexDir(root), workers=1)
    archive = Archive(root)
    before = search(archive, "drone", sort="newest")
    built: list[int] = []
    real = tables._leaf_dates
    monkeypatch.setattr(tables, "_leaf_dates", lambda leaf: (built.append(leaf.doc_count_all()), real(leaf))[1])
    (articles_dir / "late.jsonl").write_text(json.dumps(
        {"id": "late", "headline": "Drone seen", "body": "Drone over Moscow.", "date": "2026-02-01"}) + "\n")
    update_index([articles_dir], IndexDir(root), workers=1)
    after = search(archive, "drone", sort="newest")
    assert built == [1]  # the new one-article segment; the others' tables were kept
    assert [h.id for h in after.hits] == ["late"] + [h.id for h in before.hits]
    assert {"value": "2026-02", "count": 1} in [vars(f) for f in after.facets["month"]]
    fresh = Archive(root)  # tables built from scratch agree
    with archive.view() as view, fresh.view() as fresh_view:
        assert view.dates() == fresh_view.dates()
        assert view.months_by_doc() == fresh_view.months_by_doc()
        for kind in ("people", "organisations", "places", "section"):
            assert view.names_by_doc(kind) == fresh_view.names_by_doc(kind)
        # Codes joined from the segments' are those of every document's names and months.
        from searcher.name_codes import NameCodes

        def parts(codes: NameCodes) -> tuple:
            return codes.names, codes.codes.tolist(), codes.offsets.tolist()

        months = NameCodes.of([(m,) if m else () for m in fresh_view.months_by_doc()])
        assert parts(view.tables.month_codes(view.reader)) == parts(months) and "2026-02" in months.names
        for kind in ("people", "organisations", "places"):
            assert parts(view.tables.name_codes(view.reader, kind)) == parts(NameCodes.of(fresh_view.names_by_doc(kind)))


def test_a_failed_reopen_neither_fails_twice_nor_poisons_the_thread(articles_dir, tmp_path, monkeypatch):
    from searcher.archive import OPEN_ATTEMPTS

    root = tmp_path / "ix"
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    archive = Archive(root)
    assert search(archive, "drone").total == 3
    (articles_dir / "late.jsonl").write_text(json.dumps({"id": "late", "body": "Drone over Moscow."}) + "\n")
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    real_open, calls = IndexDir.open, []

    def open_failing(fail_times):
        def opener(self):
            calls.append(1)
            if len(calls) <= fail_times:  # a segment merged away while the TOC was read
                raise FileNotFoundError("MAIN_x.seg")
            return real_open(self)
        return opener

    monkeypatch.setattr(IndexDir, "open", open_failing(1))
    assert search(archive, "drone").total == 4  # opened again
    (articles_dir / "later.jsonl").write_text(json.dumps({"id": "later", "body": "Drone in Kent."}) + "\n")
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    calls.clear()
    monkeypatch.setattr(IndexDir, "open", open_failing(OPEN_ATTEMPTS))
    with pytest.raises(FileNotFoundError):
        search(archive, "drone")
    monkeypatch.setattr(IndexDir, "open", real_open)
    assert search(archive, "drone").total == 5  # the thread's next request opens afresh


@pytest.mark.parametrize("q", ['"black sea', "drone)", "((drone", "foo:bar", "drone AND", "NOT",
                               "\x00drone\x07", "ｄｒｏｎｅ", "🚀 drone", "date:", "-", "*:*", "drone^"])
def test_odd_queries_never_raise(archive, q):
    result = search(archive, q)
    assert result.total >= 0


@pytest.mark.parametrize("q,message", [
    ("*a*", "at least 2 letters"), ("?x*", "at least 2 letters"), ("a*", "at least 2 letters"),
    ("body:[a TO z]", "ranges work only on dates"), ("(" * 30 + "drone" + ")" * 30, "nested"),
    ("x" * 501, "too long"), (" ".join(["ab"] * 150), "too many words"), ("date:someday", "not a date"),
])
def test_costly_or_meaningless_queries_are_refused_with_a_message(archive, q, message):
    with pytest.raises(QueryError, match=message):
        search(archive, q)


@pytest.mark.parametrize("q", ["*", "?*", "*:*", "**"])
def test_bare_wildcards_browse_everything_newest_first(archive, q):
    result = search(archive, q)
    assert result.total == 8 and result.sort == "newest"


def test_fuzzy_distance_is_capped(archive):
    assert search(archive, "drane~").total >= 1
    assert search(archive, "drone~9").total == search(archive, "drone~2").total


def test_fuzzy_near_words_are_found_once_per_segment_and_search(bbc, monkeypatch):
    from searcher import expansion

    asked = []
    real = expansion._near
    monkeypatch.setattr(expansion, "_near",
                        lambda q, reader, *rest: asked.append((q.fieldname, id(reader))) or real(q, reader, *rest))
    for match in ("all", "any"):
        asked.clear()
        assert search(bbc, "markt~", match=match).total > 100  # matched, then ranked by Whoosh
        assert asked and len(asked) == len(set(asked))


def test_related_articles_prefer_the_same_story(archive):
    related = archive.related("ld-2026-01-08-ukraine-energy", limit=3)
    assert related[0].id == "london-daily-us-russia-drone.txt"
    assert "ld-2026-01-08-ukraine-energy" not in [h.id for h in related]
    with pytest.raises(KeyError):
        archive.related("no-such-id")


def test_autocomplete_offers_entities_and_headlines(archive):
    values = [s["value"] for s in archive.suggest("lloyd")]
    assert values[0] == "Lloyd Austin"
    headlines_ = [s["value"] for s in archive.suggest("thames bar") if s["kind"] == "headline"]
    assert headlines_ == ["Thames Barrier closes twice in one week as storm surge meets spring tide"]
    assert archive.suggest("x") == []


def test_searcher_sees_new_commits_without_restart(articles_dir, tmp_path):
    root = tmp_path / "ix"
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    archive = Archive(root)
    assert search(archive, "lighthouse").total == 0
    (articles_dir / "new.jsonl").write_text(json.dumps({"id": "n", "body": "A new lighthouse opens."}))
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1)
    assert search(archive, "lighthouse").total == 1
    update_index([articles_dir], IndexDir(root), with_entities=False, workers=1, rebuild=True)
    assert search(archive, "lighthouse").total == 1


def test_related_never_lists_an_articles_twin(bbc):
    """sport/012 and sport/020 are exact twins, one story: neither is related to the other."""
    for one, twin in [("sport/012.txt", "sport/020.txt"), ("sport/020.txt", "sport/012.txt")]:
        related = [hit.id for hit in bbc.related(one, limit=10)]
        assert len(related) == 10 and twin not in related and one not in related


def test_warm_builds_what_the_first_searches_would(examples_index, monkeypatch):
    """After warm(), searches from a new thread (facets, stories, a misspelt word) build no
    table, read no word list and load no dictionary: `serve` warms before it answers."""
    import threading

    from searcher import spelling, tables

    spelling._dictionary.cache_clear()
    archive = Archive(examples_index)
    archive.warm()
    assert spelling._dictionary.cache_info().currsize == 1

    def no_build(self, key, build):
        assert key in self._tables, f"table {key} built after warm()"
        return self._tables[key]

    monkeypatch.setattr(tables.DocTables, "_table", no_build)
    # Segment tables, the spelling's word lists among them, only as warm() left them.
    monkeypatch.setattr(tables.SegmentTables, "get", lambda self, leaf, name, build: self._tables[(leaf.segment().segment_id(), name)])
    monkeypatch.setattr(spelling, "SpellChecker", lambda **kw: pytest.fail("the dictionary loaded after warm()"))
    found = []

    def search() -> None:
        for text in ("sea", "black sea", "prime ministr"):
            found.append(archive.search(SearchRequest(query=text)))

    thread = threading.Thread(target=search)
    thread.start()
    thread.join()
    assert len(found) == 3 and found[0].total and found[0].facets
    assert found[2].suggestion or found[2].corrected


def test_after_warm_a_new_commit_is_built_beside_the_searches(tmp_path, monkeypatch):
    """After warm() (serve's), the first search after a commit goes on with the commit
    before while a thread of its own builds the new commit's tables; the new articles show
    once that is done, and no searching thread builds a table of that commit."""
    import threading
    import time

    from searcher import tables

    articles = tmp_path / "articles"
    articles.mkdir()
    ix = IndexDir(tmp_path / "ix")
    update_index([articles], ix, with_entities=False, workers=1)
    archive = Archive(ix)
    archive.warm()  # an index with no article yet: a site that serves before it indexes
    assert search(archive, "harbour").total == 0
    (articles / "a.txt").write_text("Harbour wall repaired\n\nThe harbour wall was repaired in May.")
    update_index([articles], ix, with_entities=False, workers=1)
    deadline = time.monotonic() + 20
    while search(archive, "harbour").total == 0:
        assert time.monotonic() < deadline, "the first commit never became visible"
        time.sleep(0.01)
    (articles / "b.txt").write_text("Lighthouse keeper retires\n\nThe lighthouse keeper of the harbour retired.")
    update_index([articles], ix, with_entities=False, workers=1)

    built_by: set[str] = set()
    real_table, real_get = tables.DocTables._table, tables.SegmentTables.get

    def table(self, key, build):
        if key not in self._tables:
            built_by.add(threading.current_thread().name)
        return real_table(self, key, build)

    def segment_table(self, leaf, name, build):
        if (leaf.segment().segment_id(), name) not in self._tables:
            built_by.add(threading.current_thread().name)
        return real_get(self, leaf, name, build)

    monkeypatch.setattr(tables.DocTables, "_table", table)
    monkeypatch.setattr(tables.SegmentTables, "get", segment_table)
    assert search(archive, "lighthouse").total == 0  # the commit before, while the new one warms
    deadline = time.monotonic() + 20
    while search(archive, "lighthouse").total == 0:
        assert time.monotonic() < deadline, "the new commit never became visible"
        time.sleep(0.01)
    for text in ("harbour", "harbour wall", "lighthous keeper"):
        assert search(archive, text).total
    assert built_by == {"newsdesk-warm-commit"}
    # A damaged or vanished commit does not hold searches back: they move on as before.
    (articles / "c.txt").write_text("Ferry timetable\n\nThe ferry timetable changed.")
    update_index([articles], ix, with_entities=False, workers=1)
    monkeypatch.setattr(Archive, "_warm_newest", lambda self: 1 / 0)
    search(archive, "ferry")
    deadline = time.monotonic() + 20
    while search(archive, "ferry").total == 0:
        assert time.monotonic() < deadline, "searches stayed on the commit before a failed warming"
        time.sleep(0.01)
