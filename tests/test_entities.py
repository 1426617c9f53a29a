import json
import re
from collections import Counter

from indexer import entity_kinds
from indexer.entities import Mention, extract, fold
from indexer.entity_names import canonical, normalise
from indexer.entity_text import model_text, name_windows
from indexer.parse import parse_file
from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, SearchRequest

from .conftest import SEED, corpus


def test_seed_people_places_and_no_furniture_names():
    corpus("seed")
    entities = parse_file(SEED, SEED.parent).articles[0].entities
    for person in ["Lloyd Austin", "Sergei Shoigu", "Mark Milley", "Valery Gerasimov", "Sergey Lavrov"]:
        assert person in entities.people
    # Surnames fold into the full name used in the article (spaCy tags "Austin" a place once).
    assert "Austin" not in entities.people and "Austin" not in entities.places
    assert "Shoigu" not in entities.people
    assert {"United States", "Russia", "Ukraine", "Black Sea"} <= set(entities.places)
    # Names from the page's list of other headlines are not this article's entities.
    names = entities.all()
    assert not {"Starmer", "Maduro", "Trump", "Banksy", "Greta Thunberg"} & set(names)
    assert "Russian" not in names  # NORP is dropped


def test_normalise_strips_the_and_possessive_in_any_case():
    assert normalise("the Pentagon’s") == "Pentagon"
    assert normalise("  The   Black Sea ") == "Black Sea"
    assert normalise("Putin's") == "Putin"
    assert normalise("WEST GERMANY'S") == "WEST GERMANY"
    assert normalise("THE KREMLIN’S") == "KREMLIN"
    assert normalise("Jones'") == "Jones"


def test_normalise_keeps_the_full_stops_of_abbreviations():
    assert normalise("Acme Corp.") == "Acme Corp."
    assert normalise("Santa Fe, N.M.") == "Santa Fe, N.M."
    assert normalise("N.M.") == "N.M."
    assert normalise("Sammy Davis Jr.") == "Sammy Davis Jr."
    assert normalise("Smith.") == "Smith"
    assert normalise("Manchester United.") == "Manchester United"


def test_folding_table_aliases_and_party_plurals():
    assert canonical("U.S.", "organisations") == ("United States", "places")
    assert canonical("Lib Dems", "people") == canonical("Lib Dem", "organisations") == ("Liberal Democrats", "organisations")
    assert canonical("Gatwick Airport", "people") == ("Gatwick Airport", "people")


def test_fold_gives_each_name_one_kind_most_mentioned_first():
    found = fold([Mention(0, 1, "United States", "places"), Mention(2, 3, "Mark Milley", "people"),
                  Mention(4, 5, "United States", "places")])
    assert found.places == ["United States"] and found.people == ["Mark Milley"]


def test_kinds_never_doubled_in_an_article():
    body = ("Labour said on Monday it would fight the election on the economy. Labour leader Tony "
            "Blair told Labour activists in Chelsea that Chelsea and Arsenal fans backed Labour. "
            "Mr Blair said the Lib Dems and the Lib Dem leader Charles Kennedy had no plan.")
    found = extract(body)
    names = found.all()
    assert len(names) == len(set(names)), found
    assert "Liberal Democrats" in found.organisations
    assert "Tony Blair" in found.people and "Blair" not in names


def test_capitals_are_recased_from_the_article_before_the_model_reads_them():
    body = ("PRIME MINISTER TONY BLAIR MEETS GEORGE BUSH IN WASHINGTON\n\n"
            "Tony Blair flew to Washington on Friday to meet George Bush, the White House said.")
    text = model_text(body)
    assert len(text) == len(body)
    assert text.startswith("prime minister Tony Blair meets George Bush in Washington\n")
    found = extract(body)
    assert {"Tony Blair", "George Bush"} <= set(found.people) and "Washington" in found.places
    assert not [n for n in found.all() if n.isupper() or "MINISTER" in n.upper().split()]


def test_an_article_all_in_capitals_gives_no_run_of_capital_words_as_names():
    body = ("SHARES IN THE TELECOMS FIRM FELL SHARPLY ON MONDAY AFTER THE CHIEF EXECUTIVE WARNED "
            "THAT PROFITS WOULD MISS FORECASTS. TRADERS SAID THE MARKET HAD EXPECTED BAD NEWS.\n\n"
            "THE COMPANY SAID IT WOULD CUT JOBS AND SELL ITS CABLE BUSINESS.")
    assert extract(body).all() == []


def test_possessives_in_capitals_inside_prose():
    body = ("Exports from West Germany rose in March. WEST GERMANY'S central bank said the rise "
            "would last, and West Germany's government agreed.")
    assert model_text(body).count("West Germany") == 3
    found = extract(body)
    assert "West Germany" in found.places and not [n for n in found.all() if "'" in n or "GERMANY" in n]


def test_corp_and_initials_keep_their_full_stops():
    found = extract("Shares of Acme Corp. rose 5 percent on Tuesday. The company is based in "
                    "Santa Fe, N.M., where Acme Corp. employs 300 people.")
    assert "Acme Corp." in found.organisations
    assert not [n for n in found.all() if n.rstrip(".").endswith(("Corp", "N.M", "N.M."[:-1]))
                and not n.endswith(".")]


def test_subheadings_between_paragraphs_are_not_read_as_names():
    body = ("The chancellor set out his plans on Monday.\n\nBudget Priorities\n\n"
            "He said growth would be strong.")
    assert "Budget Priorities" not in model_text(body)
    assert "Budget Priorities" not in extract(body).all()
    dateline = "First paragraph.\n\nLONDON 1996-08-30\n\nSecond paragraph."
    assert model_text(dateline).count("London") == 1


def test_leading_verbs_are_not_part_of_a_name():
    found = extract("Entering Westminster, he came to share an office with the newly elected MP for "
                    "Sedgefield, Tony Blair. Analysing Mr Brown's position, the BBC's James Hardy "
                    "said Mr Brown would draw sharp dividing lines with the Conservatives.")
    names = found.all()
    assert not [n for n in names if n.startswith(("Entering", "Analysing"))], names
    assert "Tony Blair" in found.people and "James Hardy" in found.people


def test_a_capitalised_common_noun_the_article_writes_in_lower_case_is_dropped():
    found = extract("Budget day is Wednesday. The chancellor said the budget would help families, "
                    "and the budget surplus would pay for schools in Leeds.")
    assert "Budget" not in found.all() and "Leeds" in found.places


def test_regroup_moves_a_name_to_the_kind_the_archive_gives_it():
    archive = {"people": Counter({"Chelsea": 1, "Tony Blair": 5}), "organisations": Counter({"Chelsea": 3}),
               "places": Counter({"Chelsea": 1})}
    counts = {"people": Counter({"Chelsea": 1, "Tony Blair": 2}), "organisations": Counter({"Chelsea": 1}),
              "places": Counter()}
    kinds = entity_kinds.archive_kinds(archive)
    assert kinds == {"Chelsea": "organisations"}
    out = entity_kinds.regroup(counts, kinds)
    assert out == {"people": Counter({"Tony Blair": 2}), "organisations": Counter({"Chelsea": 2}),
                   "places": Counter()}
    assert counts["people"]["Chelsea"] == 1  # the caller's counts are left as they were


def test_facets_list_a_name_under_one_kind_across_the_archive(tmp_path):
    rows = [{"id": f"a{n}", "headline": f"Match {n}", "body": "Chelsea won the match.",
             "entities": {"organisations": ["Chelsea"]}} for n in range(3)]
    rows.append({"id": "b", "headline": "Match 4", "body": "Chelsea lost the match.",
                 "entities": {"people": ["Chelsea", "Jose Mourinho"]}})
    (tmp_path / "export.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    update_index([tmp_path], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    facets = archive.search(SearchRequest(query="match")).facets
    assert [(f.value, f.count) for f in facets["organisations"]] == [("Chelsea", 4)]
    assert [f.value for f in facets["people"]] == ["Jose Mourinho"]
    stats = archive.stats()["top_entities"]
    assert [t["value"] for t in stats["people"]] == ["Jose Mourinho"]
    assert [s["kind"] for s in archive.suggest("chel") if s["value"] == "Chelsea"] == ["organisations"]


def test_a_one_word_name_most_articles_with_the_word_do_not_name_is_dropped():
    archive = {"people": Counter({"Tony Blair": 30, "Blair": 2, "Browne": 1}),
               "organisations": Counter({"Budget": 4, "House": 3, "Fed": 1}), "places": Counter()}
    with_word = {"budget": 40, "blair": 33, "house": 19, "fed": 1, "browne": 130}.get
    kinds = entity_kinds.archive_kinds(archive, lambda name: with_word(name.casefold(), 0))
    # Budget: 4 of 40 articles with the word; Blair: most of its 33 name "Tony Blair";
    # House: 19 articles are too few to say; Fed: named wherever the word is; Browne: a
    # person (whose stem the body shares with "brown").
    assert kinds == {"Budget": entity_kinds.DROPPED}
    out = entity_kinds.regroup(archive, kinds)
    assert "Budget" not in out["organisations"] and out["organisations"]["House"] == 3
    assert archive["organisations"]["Budget"] == 4  # the caller's counts are left as they were


def test_facets_stats_and_suggestions_leave_out_a_common_word_taken_for_a_name(tmp_path):
    rows = [{"id": f"a{n}", "headline": f"Spending {n}", "body": "The budget for schools in Leeds grew.",
             "entities": {"places": ["Leeds"]}} for n in range(24)]
    rows += [{"id": f"b{n}", "headline": f"Budget day {n}", "body": "Budget day: the budget grew in Leeds.",
              "entities": {"organisations": ["Budget"], "places": ["Leeds"]}} for n in range(3)]
    (tmp_path / "export.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    update_index([tmp_path], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    facets = archive.search(SearchRequest(query="budget")).facets
    assert facets["organisations"] == [] and [f.value for f in facets["places"]] == ["Leeds"]
    assert archive.stats()["top_entities"]["organisations"] == []
    assert [s for s in archive.suggest("bud") if s["value"] == "Budget"] == []
    assert [s["kind"] for s in archive.suggest("lee") if s["value"] == "Leeds"] == ["places"]


def test_a_commit_that_adds_articles_with_the_word_drops_the_name_in_a_running_archive(tmp_path):
    """The kinds names are given follow each commit in a searcher that keeps running: the
    body frequencies of the segments it read before (kept per segment) and the new
    segment's are summed. Budget is an organisation while 3 of 4 articles with the word
    name it; after 24 more with the word and no name, it is dropped."""
    named = [{"id": f"b{n}", "headline": f"Budget day {n}", "body": "Budget day: the budget grew in Leeds.",
              "entities": {"organisations": ["Budget"], "places": ["Leeds"]}} for n in range(3)]
    named.append({"id": "c", "headline": "Schools", "body": "The budget for schools in Leeds grew.",
                  "entities": {"places": ["Leeds"]}})
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.jsonl").write_text("\n".join(json.dumps(r) for r in named))
    update_index([tmp_path / "src"], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    facets = archive.search(SearchRequest(query="budget")).facets
    assert [f.value for f in facets["organisations"]] == ["Budget"]
    more = [{"id": f"a{n}", "headline": f"Spending {n}", "body": "The budget for schools in Leeds grew.",
             "entities": {"places": ["Leeds"]}} for n in range(24)]
    (tmp_path / "src" / "b.jsonl").write_text("\n".join(json.dumps(r) for r in more))
    update_index([tmp_path / "src"], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    facets = archive.search(SearchRequest(query="budget")).facets
    assert facets["organisations"] == [] and [f.value for f in facets["places"]] == ["Leeds"]


def test_a_name_the_model_cuts_short_is_the_folding_tables_longer_spelling():
    body = ("Charles Kennedy, the Liberal Democrat leader, said on Monday that the Liberal Democrat "
            "plan for schools was fully costed. Mr Kennedy spoke in Manchester.")
    found = extract(body)
    assert "Liberal Democrats" in found.organisations
    assert "Liberal" not in found.all()


def test_a_one_word_organisation_after_at_is_the_venue():
    # spaCy's small model calls the stadium an organisation here.
    found = extract("Scotland coach Matt Williams watched his side lose 21-13 at Murrayfield on Saturday.")
    assert "Murrayfield" in found.places and "Murrayfield" not in found.organisations


def test_chips_show_names_under_the_facets_kind_and_not_the_names_they_drop(tmp_path):
    rows = [{"id": f"a{n}", "headline": f"Spending {n}", "body": "The budget for Chelsea schools grew.",
             "entities": {"organisations": ["Chelsea"]}} for n in range(24)]
    rows.append({"id": "b", "headline": "Budget day", "body": "Budget day: Chelsea and the budget.",
                 "entities": {"people": ["Chelsea", "Gordon Brown"], "organisations": ["Budget"]}})
    (tmp_path / "export.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    update_index([tmp_path], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    page = archive.article("b").entities
    assert page == {"people": ["Gordon Brown"], "organisations": ["Chelsea"], "places": []}
    hit = next(h for h in archive.search(SearchRequest(query="day")).hits if h.id == "b")
    assert hit.entities == page


def test_a_place_written_in_capitals_is_an_organisation_unless_the_folding_table_has_it():
    found = extract("Shares in BT rose on Monday after BT said profits would grow. The firm will "
                    "open offices in LA and in Birmingham.")
    assert "BT" in found.organisations and "BT" not in found.places
    assert {"Los Angeles", "Birmingham"} <= set(found.places)


def test_a_one_word_name_whose_plural_the_archive_writes_often_is_dropped():
    archive = {"people": Counter({"Tony Blair": 30}), "organisations": Counter({"iPod": 30, "Apple": 40}),
               "places": Counter({"Leeds": 25})}
    forms = Counter({"ipod": 36, "ipods": 11, "apple": 55, "apples": 1, "leeds": 25, "blair": 33, "blairs": 20})
    kinds = entity_kinds.archive_kinds(archive, lambda name: 0, lambda word: forms[word.casefold()])
    # iPods in 11 of the 36 articles with "iPod": a product; "Apples" once in 55: a name.
    assert kinds == {"iPod": entity_kinds.DROPPED}
    few = Counter({"ipod": 10, "ipods": 9})
    assert entity_kinds.archive_kinds(archive, lambda name: 0, lambda word: few[word.casefold()]) == {}


def test_facets_leave_out_a_name_whose_plural_articles_write(tmp_path):
    rows = [{"id": f"a{n}", "headline": f"Music {n}", "body": "Apple sold the iPod in Leeds.",
             "entities": {"organisations": ["Apple", "iPod"], "places": ["Leeds"]}} for n in range(20)]
    rows += [{"id": f"b{n}", "headline": f"Players {n}", "body": "Sales of iPods and the iPod grew.",
              "entities": {"organisations": ["iPod"]}} for n in range(8)]
    (tmp_path / "export.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    update_index([tmp_path], IndexDir(tmp_path / "ix"), with_entities=False, workers=1)
    archive = Archive(tmp_path / "ix")
    facets = archive.search(SearchRequest(query="ipod")).facets
    assert [f.value for f in facets["organisations"]] == ["Apple"]
    assert archive.article("b0").entities["organisations"] == []


def test_a_name_after_an_organisations_possessive_is_its_product_not_a_name():
    found = extract("Sony's PlayStation and Microsoft's Xbox sold well, said Microsoft's Bill Gates in "
                    "London. Speaking on the BBC's Breakfast with Frost programme, Tony Blair praised them.")
    names = found.all()
    assert not {"PlayStation", "Xbox", "Breakfast"} & set(names), names
    assert "Bill Gates" in found.people and {"Microsoft", "Sony", "BBC"} <= set(found.organisations)


def test_the_model_reads_only_the_words_around_capitalised_ones_at_their_offsets():
    filler = "and then it went on for a long while with nothing much said at all " * 3
    body = f"it was quiet {filler}until Tony Blair met the press in London on Friday, {filler}the end."
    windows = name_windows(body)
    assert len(windows.text) < len(body) / 2
    for word in ("Tony", "Blair", "London", "Friday"):
        at = windows.text.index(word)
        assert body[windows.original(at):windows.original(at) + len(word)] == word
        assert re.search(rf"(\S+ ){{4}}{word}\W* (\S+ ){{3}}", windows.text)  # with four words each side
    assert "Tony Blair" in extract(body).people and "London" in extract(body).places


def test_a_capitalised_function_word_opens_no_window_but_a_name_in_capitals_does():
    filler = "and then it went on for a long while with nothing much said at all "
    body = f"{filler}But it was quiet, {filler}I think. {filler}The US and IT firms met {filler}"
    windows = name_windows(body)
    assert "But" not in windows.text and "I think" not in windows.text
    assert windows.text == "said at all The US and IT firms met and then"  # four words each side


def test_an_occasion_or_venue_the_model_calls_an_organisation_is_not_one():
    found = extract("Jason Gardener won gold at the 2005 European Indoor Championships in Madrid. "
                    "Toshiba showed its screens at the Consumer Electronics Show in Las Vegas, the "
                    "firm's Tony Smith said. This year's Academy Awards went to Clint Eastwood.")
    names = found.all()
    assert not [n for n in names if n.endswith(("Championships", "Show", "Awards"))], names
    assert {"Jason Gardener", "Tony Smith", "Clint Eastwood"} <= set(found.people)
    assert "Toshiba" in found.organisations and {"Madrid", "Las Vegas"} <= set(found.places)
