from indexer.entities import fold, normalise
from indexer.parse import parse_file

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


def test_normalise_strips_the_and_possessive():
    assert normalise("the Pentagon’s") == "Pentagon"
    assert normalise("  The   Black Sea ") == "Black Sea"
    assert normalise("Putin's") == "Putin"


def test_fold_aliases_kinds_and_order():
    found = fold([("U.S.", "GPE"), ("US", "ORG"), ("the United States", "GPE"), ("Britain", "GPE"),
                  ("U.K.", "GPE"), ("Russians", "NORP"), ("Gen. Mark Milley", "PERSON"),
                  ("Milley", "PERSON"), ("Tuesday", "DATE")])
    assert found.places == ["United States", "United Kingdom"]
    assert found.people == ["Mark Milley"]
    assert found.organisations == []
