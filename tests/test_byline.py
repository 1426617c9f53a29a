"""Byline rules on small pages written for each rule (see indexer/byline.py)."""
from indexer.htmlpage import parse_html

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
