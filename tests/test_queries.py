"""Queries as readers type them, on real articles: each must behave as its cleaned twin
(same hits, no fall-back notice), lead with the expected article, or say the expected thing.

Data: the 2,225 BBC articles (no entities), 120 BBC politics articles with entities (spaCy, as a site
indexes: the name fields keep stop words), the bundled examples (with entities) and a few
accented articles written here (the corpus has next to no accents in indexed text)."""
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, SearchRequest
from web.cli import main

from .conftest import corpus

ACCENTED = [
    {"id": "cafe", "headline": "Café owners in Zürich protest rent rises",
     "body": "Owners of cafés across Zürich marched on Saturday against rent rises, said Renée Müller "
             "of the café owners' association.", "byline": "Renée Müller",
     "entities": {"people": ["Renée Müller"], "places": ["Zürich"]}},
    {"id": "plain", "headline": "Coffee shop chain expands in Leeds",
     "body": "A coffee shop chain will open ten more shops in Leeds, its owners said."},
    {"id": "sao-paulo", "headline": "São Paulo metro strike ends",
     "body": "Metro workers in São Paulo returned to work after a two-day strike.",
     "entities": {"places": ["São Paulo"]}},
]


POLITICS_ARTICLES = 120  # of 417: spaCy's time on two cores stays within the suite's budget


@pytest.fixture(scope="module")
def politics(tmp_path_factory) -> Archive:
    """BBC politics articles indexed with entities, as a site indexes."""
    src = tmp_path_factory.mktemp("politics-src") / "politics"
    src.mkdir()
    for path in sorted(corpus("bbc-news", "politics").glob("*.txt"))[:POLITICS_ARTICLES]:
        shutil.copy(path, src / path.name)
    root = tmp_path_factory.mktemp("politics") / "ix"
    assert update_index([src], IndexDir(root)).failed == 0
    return Archive(root)


@pytest.fixture(scope="module")
def examples(examples_index) -> Archive:
    return Archive(examples_index)


@pytest.fixture(scope="module")
def accented(tmp_path_factory) -> Archive:
    src = tmp_path_factory.mktemp("accented-src")
    (src / "accented.jsonl").write_text("\n".join(json.dumps(a) for a in ACCENTED) + "\n")
    root = tmp_path_factory.mktemp("accented") / "ix"
    assert update_index([src], IndexDir(root), with_entities=False, workers=1).failed == 0
    return Archive(root)


def search(archive: Archive, text: str, match: str = "all"):
    return archive.search(SearchRequest(query=text, match=match))


# (data, query as typed, its cleaned twin): the same hits, in the same order, and the twin's
# notice (none: every word found, no fall-back to any word).
TWINS = [
    # hyphens inside words: the parts as a phrase, or joined
    ("bbc", "no-confidence vote", "no confidence vote"),
    ("bbc", "e-mail", '"e mail" OR email'),
    ("bbc", "ex-minister", '"ex minister" OR exminister'),
    ("bbc", "anti-war", '"anti war" OR antiwar'),
    ("bbc", "hi-tech", '"hi tech" OR hitech'),
    ("bbc", "Blair-Brown", '"blair brown" OR blairbrown'),
    ("bbc", "19-year-old", '"19 year old" OR 19yearold'),
    ("bbc", "e\u2011mail", "e-mail"),  # a non-breaking hyphen
    ("bbc", "Blair\u2013Brown", "Blair-Brown"),  # an en dash
    ("bbc", "headline:e-mail", 'headline:("e mail" OR email)'),
    ("bbc", "e-mail -spam", '("e mail" OR email) NOT spam'),
    ("bbc", "mobile -phone", "mobile NOT phone"),
    ("examples", "storm-surge", '"storm surge"'),
    # capitals: an all-capital query is its words; operators only in mixed case
    ("bbc", "BLAIR AND BROWN", "blair brown"),
    ("bbc", "NOT GUILTY", "guilty"),
    ("bbc", "TAX OR SPENDING", "tax spending"),
    ("bbc", "IRAQ WAR", "iraq war"),
    ("bbc", "blair NOT brown", "blair -brown"),
    ("examples", "THAMES BARRIER CLOSES", "thames barrier closes"),
    ("examples", "flights TO gatwick", "flights gatwick"),
    # stop words are never required, in any field (the name fields keep them)
    ("politics", "the iraq war", "iraq war"),
    ("politics", "blair and brown", "blair brown"),
    ("politics", "war in iraq", "war iraq"),
    ("politics", '"the prime minister"', '"prime minister"'),
    ("examples", "wind farm in norfolk", "wind farm norfolk"),
    ("examples", "the thames barrier", "thames barrier"),
    ("bbc", "why did blair call an election?", "blair call election"),
    # unknown field prefixes are words
    ("bbc", "party:labour", "party labour"),
    ("bbc", "Why:tax", "why tax"),
    # accents folded in text and name fields
    ("accented", "cafe", "café"),
    ("accented", "zurich", "Zürich"),
    ("accented", "byline:renee", "byline:Renée"),
    ("accented", "place:zurich", "place:Zürich"),
    ("accented", 'entity:"sao paulo"', 'entity:"São Paulo"'),
]


@pytest.mark.parametrize("data,typed,twin", TWINS, ids=[t[1] for t in TWINS])
def test_a_reader_query_behaves_as_its_cleaned_twin(request, data, typed, twin):
    archive = request.getfixturevalue(data)
    got, expected = search(archive, typed), search(archive, twin)
    assert expected.total > 0, f"the twin {twin!r} finds nothing: the comparison would prove nothing"
    assert got.total == expected.total
    assert [h.id for h in got.hits] == [h.id for h in expected.hits]
    assert got.notice == expected.notice is None


FIRST_HITS = [
    ("bbc", "hi-tech", "Dublin hi-tech labs to shut down"),
    ("bbc", "Blair-Brown", "Donor attacks Blair-Brown 'feud'"),
    ("bbc", "BLAIR READY TO CALL ELECTION", "Blair ready to call election"),  # a pasted headline
    ("bbc", "Blair ready to call election?", "Blair ready to call election"),
    ("bbc", "café", "China net cafe culture crackdown"),
    ("examples", "lloyd austin", "US, Russian military chiefs resume contact to discuss drone"),
    ("examples", 'entity:"Lloyd Austin"', "US, Russian military chiefs resume contact to discuss drone"),
    ("examples", '"black sea"', "US, Russian military chiefs resume contact to discuss drone"),
    ("examples", "wind farm in norfolk", "Offshore wind farm off Norfolk starts supplying the grid"),
    ("examples", "GATWICK DRONE", "Gatwick suspends flights for an hour after drone sightings"),
    ("accented", "zurich cafe", "Café owners in Zürich protest rent rises"),
    ("accented", "SAO PAULO", "São Paulo metro strike ends"),
]


@pytest.mark.parametrize("data,typed,headline", FIRST_HITS, ids=[f[1] for f in FIRST_HITS])
def test_a_reader_query_leads_with_the_article_it_names(request, data, typed, headline):
    result = search(request.getfixturevalue(data), typed)
    assert result.hits and result.hits[0].headline == headline


# Words no article has as written, whose correction finds CLEARLY_MORE times as much: the
# correction is searched instead and said so; as typed, it is offered.
CORRECTIONS = [
    ("bbc", "goverment", "government"),  # as typed: the one article about a governess
    ("bbc", "goverment budget", "government budget"),  # the typo in one of two words
    ("bbc", "blair and brwon", "blair and brown"),
    ("bbc", "GOVERMENT BUDGET", "GOVERNMENT BUDGET"),
    ("examples", "Thames Barier", "Thames Barrier"),
    ("examples", "gatwik drone", "gatwick drone"),
    ("examples", "dron", "drone"),
]


@pytest.mark.parametrize("data,typed,corrected", CORRECTIONS, ids=[c[1] for c in CORRECTIONS])
def test_a_misspelling_no_article_has_is_searched_as_its_correction(request, data, typed, corrected):
    archive = request.getfixturevalue(data)
    result, instead = search(archive, typed), search(archive, corrected)
    assert result.corrected == corrected and result.query == typed and result.suggestion is None
    assert result.total == instead.total > 0 and [h.id for h in result.hits] == [h.id for h in instead.hits]
    as_typed = archive.search(SearchRequest(query=typed, as_typed=True))
    assert as_typed.corrected is None and as_typed.suggestion == corrected
    assert as_typed.total * 10 < instead.total or as_typed.notice


def test_goverment_alone_is_not_the_governess_article(bbc):
    as_typed = bbc.search(SearchRequest(query="goverment", as_typed=True))
    assert [h.headline for h in as_typed.hits] == ["Obituary: Dame Alicia Markova"]  # "a governess in tow"
    result = search(bbc, "goverment")
    assert result.total > 100 and "Obituary: Dame Alicia Markova" not in [h.headline for h in result.hits]


SUGGESTIONS = [
    # "barrier" is in no article with "thames": the correction finds more only with any word.
    ("bbc", "thames barier", "thames barrier"),
    # a misspelling one BBC article prints: its hit is real, the correction only offered
    ("bbc", "comapnies", "companies"),
]


@pytest.mark.parametrize("data,typed,suggestion", SUGGESTIONS, ids=[s[1] for s in SUGGESTIONS])
def test_did_you_mean_corrects_each_unknown_word(request, data, typed, suggestion):
    archive = request.getfixturevalue(data)
    result = search(archive, typed)
    assert result.suggestion == suggestion and result.corrected is None
    assert search(archive, suggestion).total > result.total or result.notice


@pytest.mark.parametrize("typed", ["drone", "drones", "Drone strike"])
def test_a_real_word_no_article_has_is_not_corrected(bbc, typed):
    # "done" is in 193 BBC articles and one edit away; drone is in none, but it is a word.
    result = search(bbc, typed)
    assert result.suggestion is None and result.corrected is None


# Names the BBC articles hold, a few times each and always capitalised, near a common word:
# Shahid Malik (said), Sepp Blatter (better). They are found as typed, not corrected.
ARCHIVE_NAMES = [("shahid", "said"), ("blatter", "better"), ("Sepp Blatter", "better"), ("shahid malik", "said")]


@pytest.mark.parametrize("typed,common", ARCHIVE_NAMES, ids=[n[0] for n in ARCHIVE_NAMES])
def test_a_rare_name_of_the_archive_is_not_corrected_to_a_common_word(bbc, typed, common):
    result = search(bbc, typed)
    assert result.suggestion is None and result.corrected is None
    assert result.total >= 1 and all(typed.split()[0].lower() in h.snippet.lower() for h in result.hits)
    assert search(bbc, common).total > 20 * result.total  # the correction would have found far more


def test_a_typo_next_to_a_rare_name_is_still_corrected(bbc):
    # "comapnies" is in one BBC article, lower-case: a misspelling it prints, not a name.
    assert search(bbc, "comapnies").suggestion == "companies"
    assert search(bbc, "goverment budget").corrected == "government budget"
    assert search(bbc, "thames barier").suggestion == "thames barrier"


@pytest.mark.parametrize("data,typed", [("bbc", "iraq war"), ("accented", "cafe"), ("bbc", "e-mail"),
                                        ("politics", "the iraq war"), ("bbc", "BLAIR AND BROWN")])
def test_known_words_get_no_did_you_mean(request, data, typed):
    assert search(request.getfixturevalue(data), typed).suggestion is None


@pytest.mark.parametrize("typed", ["the of and", "to be or not to be", "-the", "THE", "NOT"])
def test_only_stop_words_get_a_message_not_articles(bbc, typed):
    result = search(bbc, typed)
    assert result.total == 0 and not result.hits
    assert result.notice.startswith("Only very common words")


def test_a_query_of_only_minus_words_is_every_article_without_them(examples):
    everything = search(examples, "*").total
    drone = search(examples, "drone").total
    assert 0 < drone < everything
    assert search(examples, "-drone").total == everything - drone == search(examples, "NOT drone").total


def test_hyphens_keep_the_parts_together(bbc):
    # e-mail finds exactly the articles whose text has e-mail, e mail or email (any ending),
    # read off the files themselves: as loose words it would also find "e" anywhere and
    # "mail" anywhere else, as the joined word alone it would miss "e-mail".
    root = corpus("bbc-news")
    written = re.compile(r"\be\W+mail(s|ed|ing)?\b|\bemail(s|ed|ing)?\b", re.IGNORECASE)
    expected = {p.relative_to(root).as_posix() for p in root.rglob("*.txt")
                if written.search(p.read_text(encoding="latin-1"))}
    found = [h.path for h in bbc.search(SearchRequest(query="e-mail", per_page=100, collapse=False)).hits]
    assert len(expected) < 100 and set(found) == expected and len(found) == len(expected)
    assert search(bbc, "email").articles < len(expected)


def test_cli_takes_a_query_starting_with_a_dash(examples_index):
    runner = CliRunner()
    args = ["search", "--index", str(examples_index), "--json"]
    minus = json.loads(runner.invoke(main, [*args[:1], "-drone", *args[1:]]).output)
    assert minus["total"] == search(Archive(examples_index), "NOT drone").total > 0
    later = runner.invoke(main, [*args, "drone", "-russian", "--limit", "1"])
    assert later.exit_code == 0 and json.loads(later.output)["total"] == 1
    assert runner.invoke(main, [*args, "--limt", "1", "drone"]).exit_code == 2  # a misspelt option
