"""The one-pass analysis writes exactly the terms and postings Whoosh's filter chain writes."""
from __future__ import annotations

from whoosh.index import create_in
from whoosh.writing import SegmentWriter

from indexer.analysis import analyse, analyse_names
from indexer.parse import parse_file
from indexer.documents import article_document
from indexer.schema import build_schema, text_analyzer
from indexer.wordlists import WordListWriter, _postings

from .conftest import corpus

# Stop words first and between (their positions), accents and ligatures folded, a dotted
# number, apostrophes and hyphens, digits of other scripts, words the stemmer changes.
EDGES = ["", "the and of", "The cat, which sat on the mat, was running.", "Café ZÜRICH naïve façade Æsir Straße",
         "e-mail O'Neill 3.5 2,000 U.S.A. mr. x *star*", "١٢٣ 二十 ﬁnance", "a a a the The THE running runs ran"]


def _texts() -> list[str]:
    paths = sorted(corpus("bbc-news").glob("*/*.txt"))[::5]
    return [p.read_bytes().decode("utf-8", "replace") for p in paths] + EDGES


def test_terms_positions_and_characters_are_the_filter_chains():
    """Every BBC fifth article and the edge cases, as headline, body and names."""
    schema = build_schema()
    analyzer = text_analyzer()
    for text in _texts():
        for name in ("headline", "body"):
            field = schema[name]
            chars = name == "body"
            assert list(_postings(analyse(text, chars), field.format)) == list(field.index(text)), (name, text[:60])
        assert analyse(text, False).words == {t.text for t in analyzer(text, no_morph=True)}
        for name in ("byline", "entity"):
            field = schema[name]
            assert list(_postings(analyse_names(text), field.format)) == list(field.index(text)), (name, text[:60])


def _matcher_postings(reader, name, term) -> list:
    matcher = reader.postings(name, term)
    out = []
    while matcher.is_active():
        out.append((matcher.id(), matcher.value()))
        matcher.next()
    return out


def test_a_segment_holds_what_whooshs_own_writer_writes(tmp_path):
    """BBC articles and one with names, written by WordListWriter and by Whoosh's
    SegmentWriter: the same terms, postings, lengths, stored values and columns."""
    files = sorted(corpus("bbc-news").glob("*/*.txt"))[::50]
    articles = [a for path in files for a in parse_file(path, path.parent.parent, with_entities=False).articles]
    docs = [article_document(a, "src") for a in articles]
    docs.append({"id": "names", "source": "src", "url": None, "path": "p", "headline": "The Who in Zürich",
                 "body": "Zürich's café: the Who played, and played again.", "byline": "Ann O'Neill",
                 "people": "Ann O'Neill", "person": "Ann O'Neill", "entity": "Ann O'Neill , Zürich",
                 "places": "Zürich", "place": "Zürich", "section": "music"})
    results = []
    for kind in (SegmentWriter, WordListWriter):
        folder = tmp_path / kind.__name__
        folder.mkdir()
        ix = create_in(str(folder), build_schema())
        writer = kind(ix)
        for doc in docs:
            writer.add_document(**doc)
        writer.commit()
        with ix.searcher() as searcher:
            reader = searcher.reader()
            terms = list(reader.all_terms())
            results.append({
                "postings": {t: _matcher_postings(reader, *t) for t in terms},
                "lengths": [[reader.doc_field_length(d, n) for n in ix.schema.scorable_names()]
                            for d in range(reader.doc_count_all())],
                "stored": list(reader.all_stored_fields()),
                "story": [reader.column_reader("story")[d] for d in range(reader.doc_count_all())],
            })
        ix.close()
    stock, ours = results
    assert ours["postings"] and ("body", b"zurich") in ours["postings"]
    assert ours == stock
