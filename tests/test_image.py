"""Thumbnails: the picture an HTML page or an export line states, http(s) only."""
from __future__ import annotations

import json

import pytest

from indexer.htmlpage import parse_html
from indexer.image import MAX_IMAGE_URL, image_url
from indexer.jsonexport import parse_jsonl
from indexer.parse import parse_file

from .conftest import corpus

BODY = "<article><h1>Lighthouse keeper retires</h1>" + "<p>The last keeper of the lighthouse handed over the keys on Friday after forty years on the rock.</p>" * 4 + "</article>"


def page(head: str, url: str | None = "https://news.example/coast/lighthouse") -> bytes:
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    return f"<!doctype html><html><head><title>Lighthouse keeper retires</title>{canonical}{head}</head><body>{BODY}</body></html>".encode()


def ld(image: object, kind: str = "NewsArticle") -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": kind, "headline": "Lighthouse keeper retires", "image": image})}</script>'


def test_real_pages_give_the_picture_they_state():
    time_page = corpus("html-news-meta", "goose3-time", "page.html")
    assert parse_html(time_page.read_bytes()).image == "http://img.timeinc.net/time/daily/2010/1008/bp_oil_spill_0817.jpg"
    # No Open Graph or Twitter card: the JSON-LD ImageObject's url.
    bbc = corpus("html-news-meta", "goose3-reportagenewsarticle", "page.html")
    assert parse_html(bbc.read_bytes()).image == \
        "https://ichef.bbci.co.uk/news/720/cpsprodpb/5CD0/production/_88806732_shipanimation.jpg"
    readability = corpus("html-readability", "test-pages", "bbc-1", "source.html")
    assert parse_html(readability.read_bytes()).image == \
        "http://ichef.bbci.co.uk/news/1024/cpsprodpb/3D8B/production/_84455751_84455749.jpg"


def test_a_page_without_a_picture_has_none():
    assert parse_html(page("")).image is None
    root = corpus("html-readability", "test-pages")
    plain = root / "001" / "source.html"
    assert b"image" not in plain.read_bytes().lower()
    assert parse_file(plain, root, with_entities=False).articles[0].image is None


@pytest.mark.parametrize("head, image", [
    ('<meta property="og:image" content="/img/keeper.jpg">', "https://news.example/img/keeper.jpg"),
    ('<meta property="og:image" content="//cdn.example/keeper.jpg">', "https://cdn.example/keeper.jpg"),
    ('<meta name="twitter:image" content="https://cdn.example/card.jpg">', "https://cdn.example/card.jpg"),
    (ld({"@type": "ImageObject", "url": "https://cdn.example/object.jpg", "width": 720}), "https://cdn.example/object.jpg"),
    (ld({"@type": "ImageObject", "contentUrl": "photos/content.jpg"}), "https://news.example/coast/photos/content.jpg"),
    (ld(["javascript:alert(1)", {"@id": "https://news.example/#primaryimage"}, "https://cdn.example/second.jpg"]),
     "https://cdn.example/second.jpg"),
    (ld({"@list": ["https://cdn.example/listed.jpg"]}), "https://cdn.example/listed.jpg"),
    ('<meta property="og:image" content="javascript:alert(1)">' + ld("https://cdn.example/ld.jpg"), "https://cdn.example/ld.jpg"),
    ('<meta property="og:image" content="data:image/png;base64,iVBORw0KGgo=">', None),
    ('<meta property="og:image" content="file:///etc/passwd">', None),
    ('<meta property="og:image" content="https://cdn.example/' + "a" * MAX_IMAGE_URL + '.jpg">', None),
    (ld({"@id": "https://news.example/#primaryimage"}), None),
])
def test_page_image_forms(head, image):
    assert parse_html(page(head)).image == image


def test_relative_picture_without_a_page_url_is_dropped():
    assert parse_html(page('<meta property="og:image" content="/img/keeper.jpg">', url=None)).image is None
    assert parse_html(page('<meta property="og:image" content="/img/keeper.jpg">', url=None),
                      url="https://news.example/a").image == "https://news.example/img/keeper.jpg"


def test_image_url_refuses_what_no_img_src_should_hold():
    assert image_url("https://cdn.example/a b.jpg") == "https://cdn.example/a%20b.jpg"
    for bad in ["javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:image/gif;base64,R0lGOD", "https://[::1",
                "https:///nohost.jpg", "https://cdn.example/a\nb.jpg", "keeper.jpg", 42, None, ["https://x.example/a.jpg"]]:
        assert image_url(bad) is None, bad


def test_export_lines_take_an_optional_image():
    lines = [
        {"id": "a", "url": "https://news.example/a", "body": "One.", "image": "/img/a.jpg"},
        {"id": "b", "body": "Two.", "image": "javascript:alert(1)"},
        {"id": "c", "body": "Three.", "image": "https://cdn.example/c.jpg"},
        {"id": "d", "body": "Four."},
    ]
    articles = list(parse_jsonl("\n".join(map(json.dumps, lines)), "export.jsonl"))
    assert [a.image for a in articles] == ["https://news.example/img/a.jpg", None, "https://cdn.example/c.jpg", None]
    assert articles[2].as_json()["image"] == "https://cdn.example/c.jpg"
