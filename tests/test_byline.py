"""Byline rules on small pages written for each rule (see indexer/byline.py)."""
import json

from indexer.htmlpage import parse_html

from .conftest import corpus

TEXT = "<p>Some body text that goes on for a while about nothing much.</p>" * 5


def _byline(body: str) -> str | None:
    html = (f"<html><head><title>Bridge closed to lorries after cracks found</title></head><body>"
            f"<article>{body}{TEXT}</article></body></html>")
    return parse_html(html.encode()).byline


def test_a_microdata_authors_name_is_the_byline_not_the_box_around_it():
    box = ('<div class="author-box"><a itemprop="url" href="/partner">Tech Weekly</a>'
           '<span itemprop="author" itemscope itemtype="http://schema.org/Person">'
           '<span itemprop="name">Alex Perry</span></span> 1 day ago</div>')
    assert _byline(box) == "Alex Perry"


def test_a_later_byline_element_names_the_writer_when_the_first_names_none():
    body = ('<div class="author">AFP</div><p>Par <span class="authorname">Sébastien Farcis</span></p>')
    assert _byline(body) == "Sébastien Farcis"


def test_the_writers_job_title_inside_the_byline_element_is_no_part_of_the_names():
    box = ('<div class="author"><a class="author-link" href="/author/ben-silverman">Ben Silverman</a>'
           '<div class="author-title">Games Editor</div></div>')
    assert _byline(box) == "Ben Silverman"
    blurb = ('<div class="byline">By <span class="byline-name">Ana Ruiz</span>'
             '<p class="author-bio">Ana Ruiz Covers Courts And Crime</p></div>')
    assert _byline(blurb) == "Ana Ruiz"


def test_a_real_bylines_job_title_is_dropped():
    page = corpus("html-readability", "test-pages", "yahoo-1")
    gold = json.loads((page / "expected-metadata.json").read_text())
    assert parse_html((page / "source.html").read_bytes()).byline == gold["byline"] == "Ben Silverman"


def test_an_editor_or_photographer_the_byline_credits_after_the_writer_is_no_author():
    assert _byline('<p class="byline author">Written by Rob Ewaschuk<br>Edited by Betsy Beyer</p>') == "Rob Ewaschuk"
    assert _byline('<div class="byline">By Ana Ruiz | Photos by Tom Hale</div>') == "Ana Ruiz"


def test_a_real_bylines_editor_is_dropped():
    page = corpus("html-readability", "test-pages", "google-sre-book-1")
    gold = json.loads((page / "expected-metadata.json").read_text())["byline"]  # "Written by A\n Edited by B"
    writer, editor = (line.strip().split(" by ", 1)[1] for line in gold.splitlines())
    assert parse_html((page / "source.html").read_bytes()).byline == writer != editor
