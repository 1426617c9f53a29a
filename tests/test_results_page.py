"""The results page's pieces outside a browser: reader dates, the month chart's time axis,
snippets on real articles."""
from __future__ import annotations

import datetime as dt
import re

from indexer.schema import text_analyzer
from searcher.results import FacetValue
from searcher.snippets import Marks, sentences, snippet
from web import create_app
from web.pages import month_chart
from web.reader_dates import reader_date

from .conftest import corpus

NOW = dt.datetime(2026, 1, 9, 12, 0, tzinfo=dt.timezone.utc)


def test_reader_dates():
    assert reader_date("2025-07-07", NOW) == "7 July 2025"
    assert reader_date("2026-01-09T08:00:00", NOW) == "today"
    assert reader_date("2026-01-08", NOW) == "yesterday"
    assert reader_date("2026-01-06", NOW) == "3 days ago"
    assert reader_date("2026-01-02", NOW) == "2 January 2026"
    # 23:30 in New York on the 8th is the 9th in UTC: the publisher's day counts
    assert reader_date("2026-01-08T23:30:00-05:00", NOW) == "yesterday"
    assert reader_date(None, NOW) == ""


def test_month_chart_leaves_empty_months_as_gaps(tmp_path):
    app = create_app({"INDEX": str(tmp_path)})
    with app.test_request_context("/search?q=x"):
        chart = month_chart([FacetValue("2001-10", 3), FacetValue("2019-05", 1)])
        one = month_chart([FacetValue("2026-01", 5)])
    first, last = chart.bars
    assert first.x == 0 and last.x > 290 and first.width < 2  # 212 month slots on 300 units
    assert [t.label for t in chart.ticks] == ["2005", "2009", "2013", "2017"]
    assert chart.first == "October 2001" and chart.last == "May 2019"
    assert one.bars[0].width == 240 and [t.label for t in one.ticks] == ["Jan 2026"]


def _bbc(name: str) -> str:
    return corpus("bbc-news", *name.split("/")).read_text(encoding="latin-1")


def _fragments(html: str) -> list[str]:
    return [f.strip(" …") for f in re.sub("</?mark>", "", html).split(" … ")]


def test_snippets_are_short_sentence_aligned_and_never_overlap():
    body = _bbc("politics/326.txt").split("\n", 1)[1]
    marks = Marks(frozenset({"elect", "tori"}), (("prime", "minist"),))
    html = snippet(body, text_analyzer(), marks)
    plain = re.sub("</?mark>", "", html)
    assert 120 <= len(plain) <= 260
    assert "<mark>prime minister</mark>" in html.lower()
    assert "<mark>prime</mark>" not in html.lower()
    parts = _fragments(html)
    assert len(parts) <= 2 and not any(a in b for a in parts for b in parts if a is not b)
    for part in parts:  # each starts a sentence or is cut with "…"
        assert part[0].isupper() or part[0] in "\"“‘'" or html.startswith("…")


def test_sentences_end_at_stops_and_line_breaks_not_after_titles_or_initials():
    text = ('Mr. Smith met U.S. officials. "We agreed." Then? Yes!\nnext line  \n  Dr. Who said no. 5 more.'
            '\n\nLast one (Reuters).  ')
    found = [text[s.start:s.end] for s in sentences(text)]
    assert found == ['Mr. Smith met U.S. officials.', '"We agreed."', 'Then?', 'Yes!', 'next line',
                     'Dr. Who said no.', '5 more.', 'Last one (Reuters).']
    assert [text[s.start:s.end] for s in sentences(text, through=31)] == found[:2]
    assert sentences("   \n\n  ") == [] and [(s.start, s.end) for s in sentences("  \nA")] == [(3, 4)]


def test_weak_matches_show_the_lead_sentence():
    body = _bbc("sport/168.txt").split("\n", 1)[1]
    html = snippet(body, text_analyzer(), Marks(frozenset({"chelsea"})))
    assert html.startswith("Adriano's agent Gilmar Rinaldi") or html.startswith("Adriano&#x27;s agent Gilmar Rinaldi")
