import datetime as dt
import gzip
import json

from indexer.htmlpage import parse_html, title_from_title_tag
from indexer.parse import parse_file

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
    assert article.date == dt.datetime(2026, 1, 9, 8, 30)
    assert article.byline == "Priya Natarajan"
    assert article.section == "Business"
    assert article.id == article.url == "https://londondaily.example/business/norfolk-wind-farm-grid"
    assert article.body.startswith("The first turbines")
    assert "Most read" not in article.body and "Privacy" not in article.body


def test_title_tag_loses_site_name():
    assert title_from_title_tag("Storm closes the Thames Barrier again | London Daily", [], []) == \
        "Storm closes the Thames Barrier again"


def test_timezone_offsets_become_utc(tmp_path):
    html = (b'<html><head><meta property="article:published_time" content="2026-01-09T01:30:00+02:00">'
            b"<title>A title long enough to keep</title></head><body><article><h1>A title long enough"
            b" to keep</h1>" + b"<p>Some body text that goes on for a while about nothing much.</p>" * 5
            + b"</article></body></html>")
    path = tmp_path / "page.html.gz"
    path.write_bytes(gzip.compress(html))
    article = parse_file(path, tmp_path, with_entities=False).articles[0]
    assert article.date == dt.datetime(2026, 1, 8, 23, 30)
