"""Segment word lists: the analyzer's unstemmed words, counted per live article."""
from __future__ import annotations

import json

import pytest
from whoosh.writing import PostingPool, SegmentWriter

from indexer.documents import article_document
from indexer.parse import parse_file
from indexer.schema import text_analyzer
from indexer.store import IndexDir
from indexer.wordlists import WordListWriter, read_words, spelling_words
from indexer.writing import update_index

from .conftest import corpus


def test_words_are_what_the_analyzer_gives_unstemmed():
    analyzer = text_analyzer()
    paths = sorted(corpus("bbc-news").glob("*/*.txt"))[::25]
    texts = [p.read_text(encoding="latin-1") for p in paths] + ["Café ZÜRICH naïve e-mail O'Neill 3.5 the and"]
    for text in texts:
        assert spelling_words(text) == {t.text for t in analyzer(text, no_morph=True)}


def _words(root) -> dict[str, int]:
    ix = IndexDir(root).open()
    with ix.searcher() as s:
        total: dict[str, int] = {}
        for leaf, _ in s.reader().leaf_readers():
            for word, n in read_words(leaf).items():
                total[word] = total.get(word, 0) + n
    ix.close()
    return total


def test_counts_follow_articles_through_updates_and_merges(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    root = tmp_path / "ix"
    for i in range(9):  # nine commits: a full tier of small segments is merged by the ninth
        (src / f"{i}.jsonl").write_text(json.dumps({"id": f"a{i}", "headline": "Zebras",
                                                    "body": f"Quokkas seen {'walking ' * i}today."}) + "\n")
        update_index([src], IndexDir(root), with_entities=False)
    words = _words(root)
    assert words["zebras"] == 9 and words["quokkas"] == 9 and words["walking"] == 8
    assert "the" not in words and "quokka" not in words  # stop words out, nothing stemmed
    (src / "0.jsonl").unlink()
    (src / "1.jsonl").write_text(json.dumps({"id": "a1", "body": "Walruses only."}) + "\n")
    # Two of the merged segment's nine articles replaced: over a fifth, so it is rewritten
    # in this commit, and its list counts only the seven articles still there.
    update_index([src], IndexDir(root), with_entities=False)
    words = _words(root)
    assert (words["zebras"], words["quokkas"], words["walruses"]) == (7, 7, 1)


class _WhooshPostingsWriter(WordListWriter):
    """The same writer with Whoosh's own posting pool and posting writing."""

    def __init__(self, *args, limitmb: int = 128, **kwargs) -> None:
        super().__init__(*args, limitmb=limitmb, **kwargs)
        self.pool = PostingPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    _flush_segment = SegmentWriter._flush_segment


def _segment_files(ix, segment) -> dict[str, bytes]:
    """A compound segment's files by extension (their names hold the random segment id)."""
    files = segment.open_compound_file(ix.storage)
    found = {name.split(".", 1)[1]: files.open_file(name).read() for name in files.list()}
    files.close()
    return found


@pytest.mark.parametrize("limitmb", [128, 1])  # 1 MB: both pools spill sorted runs to disk
def test_postings_pooled_by_term_are_the_bytes_whoosh_writes(tmp_path, limitmb):
    folder = corpus("bbc-news", "business")
    items = [(article, "business") for path in sorted(folder.glob("*.txt"))[:150]
             for article in parse_file(path, folder, with_entities=False).articles]
    root = tmp_path / "ix"
    update_index([folder / "001.txt"], IndexDir(root), with_entities=False)
    ix = IndexDir(root).open()
    written = {}
    for kind in (WordListWriter, _WhooshPostingsWriter):
        writer = kind(ix, _lk=False, limitmb=limitmb)
        for article, source in items:
            writer.add_document(**article_document(article, source))
        written[kind] = _segment_files(ix, writer._finalize_segment())
    ix.close()
    assert {"trm", "pst", "words", "lean"} <= set(written[WordListWriter])
    written[WordListWriter].pop("lean")  # our own copy of the ids and weights (indexer.lean_postings)
    assert written[WordListWriter] == written[_WhooshPostingsWriter]
