import json

import pytest

from indexer.errors import ParseError
from indexer.jsonexport import parse_jsonl
from indexer.parse import parse_file

from .conftest import EXAMPLES


def test_export_lines_become_articles_with_their_own_ids():
    result = parse_file(EXAMPLES / "london-daily-export.jsonl", EXAMPLES, with_entities=False)
    assert len(result.articles) == 5
    first = result.articles[0]
    assert first.id == "ld-2025-12-18-rail-strike"
    assert first.section == "UK" and first.byline == "Tom Okafor"
    assert first.iso_date() == "2025-12-18"
    assert result.articles[1].iso_date() == "2025-12-29T17:05:00"


def test_only_body_is_required_and_bad_lines_are_reported(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join([
        json.dumps({"body": "A body with no other field at all."}),
        "{not json",
        json.dumps({"headline": "No body here"}),
        json.dumps({"body": "Dated", "date": "last tuesday"}),
        json.dumps({"body": "Given entities", "entities": {"people": ["Ada Lovelace"]}}),
    ]))
    result = parse_file(path, tmp_path)
    assert [a.id for a in result.articles] == ["export.jsonl#1", "export.jsonl#4", "export.jsonl#5"]
    assert result.articles[1].date is None  # an unreadable date is dropped, not the article
    assert result.articles[2].entities.people == ["Ada Lovelace"]  # given entities are kept
    assert [e.split(":")[0] for e in result.errors] == ["line 2", "line 3", "line 4"]


def test_export_without_any_usable_line_is_refused(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text('{"headline": "x"}\n')
    with pytest.raises(ParseError, match="no usable article"):
        parse_file(path, tmp_path)


def test_html_in_an_export_is_read_as_a_reader_sees_it():
    line = json.dumps({
        "id": "cms-1", "headline": "Talks resume &amp; strike <em>called off</em>",
        "byline": "<a href='/staff/jo'>Jo Bloggs</a>",
        "body": "<p>The rail strike was <b>called off</b> on Monday.</p>\n<p>Talks resume "
                "today.<br>Unions agreed.</p><script>track('pageview')</script>",
    })
    plain = json.dumps({"id": "cms-2", "body": "Shares in AT&T rose as 3 < 5 held"})
    cms, text = [a for a in parse_jsonl(line + "\n" + plain, "cms.jsonl")]
    assert cms.headline == "Talks resume & strike called off"
    assert cms.byline == "Jo Bloggs"
    assert cms.body == "The rail strike was called off on Monday.\n\nTalks resume today. Unions agreed."
    assert "track" not in cms.body and "<" not in cms.body
    assert text.body == "Shares in AT&T rose as 3 < 5 held"  # prose with < and & is not markup


def test_a_bracketed_company_name_is_text_not_a_tag():
    """Reuters wires write companies as <Texaco Inc>: a reader sees, and searches, the name."""
    wire = json.dumps({"id": "w-1", "body": "<Texaco Inc> said it cut crude prices."})
    mixed = json.dumps({"id": "w-2", "body": "<p>Shares of <Pennzoil Co> rose &amp; held.</p>"})
    plain, cms = parse_jsonl(wire + "\n" + mixed, "wire.jsonl")
    assert plain.body == "<Texaco Inc> said it cut crude prices."
    assert cms.body == "Shares of <Pennzoil Co> rose & held."
