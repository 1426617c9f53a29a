import datetime as dt

import pytest

from indexer.errors import ParseError
from indexer.parse import parse_file
from indexer.textpage import parse_dateline, parse_text

from .conftest import SEED, corpus


def test_seed_page_fields_and_body_bounds():
    corpus("seed")
    article = parse_file(SEED, SEED.parent, with_entities=False).articles[0]
    assert article.headline == "US, Russian military chiefs resume contact to discuss drone"
    assert article.iso_date() == "2026-01-07"
    assert article.body.startswith("Defense Secretary Lloyd Austin said")
    assert article.body.endswith("speak publicly on the matter.")


def test_seed_page_furniture_is_not_body():
    corpus("seed")
    body = parse_file(SEED, SEED.parent, with_entities=False).articles[0].body
    for furniture in ["Newsletter", "Related Articles", "0:00", "Béla Tarr", "Banksy Unveils",
                      "UK Gambling Shares Slide", "×", "London Daily", "Focus on the big picture"]:
        assert furniture not in body
    # The headline is printed twice on the page; neither copy is body text.
    assert "resume contact to discuss drone" not in body


def test_seed_page_rejoins_lines_wrapped_mid_sentence():
    corpus("seed")
    body = parse_file(SEED, SEED.parent, with_entities=False).articles[0].body
    assert "Crimean Peninsula, which Russia seized in 2014" in body
    assert "in the Black Sea, which has been closed" in body


@pytest.mark.parametrize("line,expected", [
    ("Wednesday, Jan 07, 2026", dt.datetime(2026, 1, 7)),
    ("Monday, January 12, 2026", dt.datetime(2026, 1, 12)),
    ("Sept 3, 2025", dt.datetime(2025, 9, 3)),
    ("Wednesday, Feb 30, 2026", None),
    ("Focus on the big picture.", None),
])
def test_dateline(line, expected):
    assert parse_dateline(line) == expected


def test_bbc_plain_text_article_with_section_from_folder():
    path = corpus("bbc-news", "business", "001.txt")
    article = parse_file(path, path.parents[1], with_entities=False).articles[0]
    assert article.headline == "Ad sales boost Time Warner profit"
    assert article.section == "business"
    assert article.id == "business/001.txt"
    assert article.date is None
    assert article.body.startswith("Quarterly profits at US media giant TimeWarner jumped 76%")


def test_latin1_byte_is_read_not_lost():
    path = corpus("bbc-news", "sport", "199.txt")
    article = parse_file(path, path.parents[1], with_entities=False).articles[0]
    assert "£" in article.body


def test_text_with_headline_only_is_refused():
    with pytest.raises(ParseError, match="no body"):
        parse_text("Just a headline\n\n")
