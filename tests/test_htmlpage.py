import datetime as dt
import gzip
import json

from indexer.headline import title_from_title_tag
from indexer.htmlpage import parse_html
from indexer.parse import parse_file
from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, SearchRequest

from bench.extraction import token_f1

from .conftest import EXAMPLES, corpus


def test_readability_news_page_matches_gold_metadata():
    page = corpus("html-readability", "test-pages", "nytimes-1")
    gold = json.loads((page / "expected-metadata.json").read_text())
    article = parse_html((page / "source.html").read_bytes())
    assert article.headline == gold["title"]
    assert article.byline == gold["byline"]
    assert article.url == "http://www.nytimes.com/2017/01/13/world/africa/sudan-sanctions.html"


def test_readability_published_time_matches_gold_day():
    page = corpus("html-readability", "test-pages", "guardian-1")
    gold = json.loads((page / "expected-metadata.json").read_text())
    article = parse_html((page / "source.html").read_bytes())
    assert article.date is not None
    assert article.date.date().isoformat() == gold["publishedTime"][:10]


def test_gzipped_aeb_page_body_matches_human_extraction():
    root = corpus("html-aeb")
    truth = json.loads((root / "ground-truth.json").read_text())
    key = "04a6711caa7c687592777718866e781e976e0fe684faebe8b3cedcef8cd0ea34"
    path = root / "html" / f"{key}.html.gz"
    article = parse_file(path, root, with_entities=False).articles[0]
    assert token_f1(article.body, truth[key]["articleBody"])[2] > 0.9
    assert article.path.endswith(".html.gz")


def test_site_page_uses_its_own_metadata_and_drops_headline_from_body():
    article = parse_file(EXAMPLES / "norfolk-wind-farm.html", EXAMPLES, with_entities=False).articles[0]
    assert article.headline == "Offshore wind farm off Norfolk starts supplying the grid"
    assert article.date == dt.datetime(2026, 1, 9, 8, 30, tzinfo=dt.timezone.utc)
    assert article.byline == "Priya Natarajan"
    assert article.section == "Business"
    assert article.id == article.url == "https://londondaily.example/business/norfolk-wind-farm-grid"
    assert article.body.startswith("The first turbines")
    assert "Most read" not in article.body and "Privacy" not in article.body


def test_title_tag_loses_site_name():
    assert title_from_title_tag("Storm closes the Thames Barrier again | London Daily", [], []) == \
        "Storm closes the Thames Barrier again"


def _page(tmp_path, head: bytes, name: str = "page.html.gz"):
    html = (b"<html><head>" + head + b"<title>A title long enough to keep</title></head><body><article>"
            b"<h1>A title long enough to keep</h1>"
            + b"<p>Some body text that goes on for a while about nothing much.</p>" * 5
            + b"</article></body></html>")
    path = tmp_path / name
    path.write_bytes(gzip.compress(html))
    return parse_file(path, tmp_path, with_entities=False).articles[0]


def test_stated_offset_is_kept_so_the_day_is_the_publishers(tmp_path):
    article = _page(tmp_path, b'<meta property="article:published_time" content="2020-02-15T07:00:00+09:00">')
    assert article.date.date() == dt.date(2020, 2, 15)
    assert article.date.utcoffset() == dt.timedelta(hours=9)
    assert article.iso_date() == "2020-02-15T07:00:00+09:00"


def test_search_shows_and_filters_by_the_local_day(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    _page(pages, b'<meta property="article:published_time" content="2020-02-15T07:00:00+09:00">')
    update_index([pages], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    hits = archive.search(SearchRequest(query="title", since=dt.date(2020, 2, 15), until=dt.date(2020, 2, 15))).hits
    assert [h.date for h in hits] == ["2020-02-15T07:00:00+09:00"]
    assert archive.search(SearchRequest(query="title", until=dt.date(2020, 2, 14))).hits == []


def test_day_read_from_the_url_when_the_page_states_none():
    body = b"<p>Some body text that goes on for a while about nothing much.</p>" * 5
    html = b"<html><head><title>A title long enough to keep</title></head><body><article>" + body + b"</article></body></html>"
    assert parse_html(html, url="https://news.example/2020/11/27/a-story").date == dt.datetime(2020, 11, 27)
    assert parse_html(html, url="https://news.example/a-story-20200113").date == dt.datetime(2020, 1, 13)


def test_json_ld_date_in_a_free_form_keeps_its_zone(tmp_path):
    ld = b'<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "Tue, Sep 15 2020 10:01:41 EDT"}</script>'
    article = _page(tmp_path, ld)
    assert article.date == dt.datetime(2020, 9, 15, 10, 1, 41, tzinfo=dt.timezone(dt.timedelta(hours=-4)))


def test_published_beats_modified_and_the_earlier_statement_wins(tmp_path):
    head = (b'<meta property="article:modified_time" content="2025-01-07T09:08:22+00:00">'
            b'<meta property="article:published_time" content="2015-12-11T14:28:34Z">'
            b'<script type="application/ld+json"><![CDATA[{"@type": "Article", "dateModified": "2018-04-22",'
            b' "datePublished": "2015-10-15T02:19:15Z"}]]></script>')
    assert _page(tmp_path, head).date.date() == dt.date(2015, 10, 15)


def test_page_without_stated_date_gets_htmldates_reading():
    body = b"<p>Some body text that goes on for a while about nothing much.</p>" * 5
    html = (b"<html><head><title>A title long enough to keep</title></head><body><article>"
            b"<p class='date'>Published on 3 March 2019</p>" + body + b"</article></body></html>")
    assert parse_html(html).date == dt.datetime(2019, 3, 3)


def _headline(head: str, body: str = "", url: str | None = None) -> str:
    text = "<p>Some body text that goes on for a while about nothing much.</p>" * 5
    html = f"<html><head>{head}</head><body>{body}<article>{text}</article></body></html>"
    return parse_html(html.encode(), url=url).headline


def test_site_names_and_sections_are_cut_at_every_separator():
    assert _headline("<title>BBC NEWS | Technology | Apple iPod sets sights on video</title>"
                     '<meta property="og:site_name" content="BBC News">') == "Apple iPod sets sights on video"
    assert _headline("<title>Who Will Run in 2012? -- Daily Intel -- New York Magazine</title>"
                     '<meta property="og:site_name" content="New York Magazine">') == "Who Will Run in 2012?"
    assert _headline("<title>Bernie Behind Bars - Forbes.com</title>") == "Bernie Behind Bars"
    assert _headline("<title>CNN.com - Expert: Quake was a big one</title>") == "Expert: Quake was a big one"


def test_meta_values_escaped_twice_are_unescaped():
    head = '<meta property="og:title" content="Pence&amp;#x3a; the vote&amp;#x27;s over">'
    assert _headline(head) == "Pence: the vote's over"


def test_headline_the_page_states_twice_beats_a_shorter_social_og_title():
    head = ('<title>Storm floods the Thames Barrier for a second night | London Daily</title>'
            '<meta property="og:title" content="Thames Barrier floods again">')
    body = "<h1>Storm floods the Thames Barrier for a second night</h1>"
    assert _headline(head, body) == "Storm floods the Thames Barrier for a second night"
    # With nothing agreeing, the page's own og:title still wins over the <title>.
    assert _headline(head.replace("Storm floods", "Storm swamps"), body.replace("<h1>", "<h2>")) == \
        "Thames Barrier floods again"


def test_byline_is_names_not_form_labels_or_dates():
    text = "<p>Some body text that goes on for a while about nothing much.</p>" * 5
    page = (f"<html><head><title>A title long enough to keep</title></head><body><article>"
            f"<div class='post-author-date'>By Joshua Sokol May 20, 2019</div>{text}"
            f"<form><label>Username</label><input name=u></form></article></body></html>")
    assert parse_html(page.encode()).byline == "Joshua Sokol"
    assert "Username" not in (parse_html(page.replace("post-author-date", "x").encode()).byline or "")


ARTICLE = ("<p>The council voted on Tuesday to close the old bridge to lorries after engineers found cracks"
           " in two of its supporting piers during a routine inspection last month.</p>"
           "<p>Repairs are expected to take most of the summer, and a diversion through the town centre"
           " will be signposted from Monday for all vehicles heavier than seven tonnes.</p>"
           "<p>Residents said the diversion would bring heavy traffic past the primary school, and asked"
           " the council to time the works for the school holidays where it can.</p>")


def test_wayback_toolbar_and_page_furniture_stay_out_of_the_body():
    page = ("<html><head><title>Bridge closed to lorries after cracks found</title></head><body>"
            "<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id='wm-ipp-base'><div id='wm-ipp'><p>The Wayback"
            " Machine has captured this page 14 times between 12 January 2019 and 3 March 2020, and you can"
            " see all of those captures from here.</p></div></div><!-- END WAYBACK TOOLBAR INSERT -->"
            + ARTICLE + "<p>Photo: Jane Smith/Getty Images</p><p>Share on Facebook</p>"
            "<p>Copyright 2020 The Associated Press. All rights reserved. This material may not be published,"
            " broadcast, rewritten or redistributed.</p></body></html>")
    body = parse_html(page.encode()).body
    assert body.startswith("The council voted") and body.endswith("where it can.")
    assert "Wayback" not in body and "Getty" not in body and "Share" not in body


def test_page_whose_text_is_only_in_json_ld_is_kept_with_its_date():
    ld = json.dumps({"@type": "NewsArticle", "headline": "Bridge closed to lorries after cracks found",
                     "datePublished": "2020-02-15T07:00:00+09:00",
                     "articleBody": "The council voted on Tuesday to close the old bridge to lorries."})
    page = f'<html><head><script type="application/ld+json">{ld}</script></head><body><div id="app"></div></body></html>'
    article = parse_html(page.encode())
    assert article.body == "The council voted on Tuesday to close the old bridge to lorries."
    assert article.date.date() == dt.date(2020, 2, 15)


def test_a_date_without_its_day_is_not_completed_from_today():
    from indexer.dates import parse_stated_date

    assert parse_stated_date("2020") is None and parse_stated_date("September 2020") is None
    assert parse_stated_date("Tue, Sep 15 2020 10:01:41 EDT")[0].date().isoformat() == "2020-09-15"


def test_page_declaring_a_charset_it_is_not_in_keeps_its_headline():
    # UTF-8 bytes under a gb2312 declaration (a re-saved page): read as the bytes are.
    text = "<p>Some body text that goes on for a while about nothing much.</p>" * 5
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            "<title>Storm floods the Thames Barrier’s gates again | London Daily</title>"
            '<meta property="og:title" content="Thames Barrier floods again"></head>'
            f"<body><h1>Storm floods the Thames Barrier’s gates again</h1><article>{text}</article></body></html>")
    assert parse_html(page.encode()).headline == "Storm floods the Thames Barrier’s gates again"


def test_guesses_run_only_for_what_the_page_does_not_state(monkeypatch):
    import htmldate
    import trafilatura

    calls = []
    for module, name in ((trafilatura, "extract_metadata"), (htmldate, "find_date")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    text = "<p>Some body text that goes on for a while about nothing much.</p>" * 5
    stated = ('<html><head><title>Bridge closed to lorries after cracks found</title>'
              '<meta property="article:published_time" content="2020-02-15T07:00:00+09:00">'
              f'<meta name="author" content="Jane Smith"></head><body><article>{text}</article></body></html>')
    article = parse_html(stated.encode())
    assert (article.byline, article.date.day, calls) == ("Jane Smith", 15, [])
    bare = stated.replace("article:published_time", "x").replace('name="author"', 'name="x"')
    article = parse_html(bare.encode())
    assert article.byline is None and not article.has_time  # the day is htmldate's reading
    assert calls == ["extract_metadata"]  # whose htmldate run gave the day


def test_tags_after_the_closing_html_tag_are_read_as_browsers_read_them():
    # The crawler appends the fetched url after </html> to a page stating none.
    text = "<p>Some body text that goes on for a while about nothing much.</p>" * 5
    page = (f"<html><head><title>Harbour fire - Daily</title></head><body><article>{text}</article></body></html>"
            '\n<meta property="og:url" content="https://daily.example/news/harbour-fire">\n')
    assert parse_html(page.encode()).url == "https://daily.example/news/harbour-fire"
