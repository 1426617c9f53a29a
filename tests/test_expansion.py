"""Wildcard and fuzzy words share one budget per search (searcher.expansion): each word that
fits alone may still be refused beside others, and the time limit holds while they expand."""
from pathlib import Path

import pytest

from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, QueryError, SearchRequest, expansion

from .conftest import corpus

FUZZY_WORDS = [f"{c}{v}~2" for c in "abcdefghijklmnopqrstuvwxyz" for v in "aeo"]


@pytest.fixture(scope="module")
def business(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bbc-business") / "ix"
    update_index([corpus("bbc-news", "business")], IndexDir(root), with_entities=False, workers=1)
    return root


def accepted(archive: Archive, words: list[str]) -> list[str]:
    fits = []
    for word in words:
        try:
            archive.search(SearchRequest(query=word))
        except QueryError:
            continue
        fits.append(word)
    return fits


@pytest.mark.parametrize("words", [FUZZY_WORDS, [f"{a}{b}*" for a in "bcdfmprst" for b in "aeiou"]])
def test_words_that_fit_alone_are_refused_together(business, words):
    archive = Archive(business)
    fits = accepted(archive, words)
    assert len(fits) >= 5
    with pytest.raises(QueryError, match="too many words match .* and the other wildcard and fuzzy words; "
                                         "type more letters or use fewer of them"):
        archive.search(SearchRequest(query=" ".join(fits)))


def test_one_word_over_budget_is_named_alone(business, monkeypatch):
    monkeypatch.setattr(expansion, "MAX_EXPANSIONS", 100)  # co* has more in 510 articles
    with pytest.raises(QueryError, match=r"^too many words match co\*; type more letters$"):
        Archive(business).search(SearchRequest(query="co*"))


def test_the_time_limit_holds_inside_expansion(business):
    with pytest.raises(QueryError, match="took too long"):
        Archive(business, time_limit=0.0).search(SearchRequest(query="markt~2 prise~2"))
    assert Archive(business).search(SearchRequest(query="markt~2 prise~2")).total > 0


def test_a_wildcard_matches_what_its_terms_match(business):
    archive = Archive(business)
    expanded = archive.search(SearchRequest(query="econom*", per_page=100))
    spelled = archive.search(SearchRequest(query="economy OR economic OR economies OR economist OR economists "
                                                 "OR economics OR economically", per_page=100))
    assert expanded.total >= spelled.total > 50
    assert {h.id for h in spelled.hits} & {h.id for h in expanded.hits}
