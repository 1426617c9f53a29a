"""The index schema, defined once: the indexer writes it, the searcher reads it."""
from __future__ import annotations

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.support.charset import accent_map
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.lang.stopwords import stoplists
from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

# Bumped whenever a field, an analyzer or what a segment keeps changes (8: exact field
# lengths, indexer.whoosh_patches); an index of another version must be rebuilt.
SCHEMA_VERSION = 8

# Entity lists are stored as one comma-joined value per kind.
ENTITY_FIELDS = ("people", "organisations", "places")
# Query-language names for the searchable per-kind entity fields.
ENTITY_SEARCH_FIELDS = {"people": "person", "organisations": "org", "places": "place"}


def text_analyzer():
    """Article prose: words, lower-cased, accents folded (café = cafe), English stop words
    dropped, Porter-stemmed.

    The stop list is Whoosh's 127-word English one (whoosh.lang.stopwords, from NLTK): the
    analyzer's 34-word default leaves question words ("which", "what", "how", "about") that
    ranked long queries worse on every test collection of bench/relevance.py."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
            | StopFilter(stoplist=stoplists["en"], minsize=1) | StemFilter(cachesize=100_000))


def name_analyzer():
    """Names are matched as written but for case and accents (Zürich = Zurich): no stemming,
    no stop words, so the phrase "The Who" stays findable (the query parser never requires a
    bare stop word in any field)."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def _text(**kwargs) -> TEXT:
    """A word that analyses into several tokens (o'neill, e-mail, covid-19) is their phrase."""
    return TEXT(multitoken_query="phrase", **kwargs)


class ColumnDate(DATETIME):
    """A date kept as a column and a stored value, not as terms: every filter and sort reads
    the column (searcher.filters), and the eight trie terms a DATETIME indexes per article
    cost a tenth of writing one."""

    indexed = False


def build_schema() -> Schema:
    names = name_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        # The file an article came from: removing or changing the file finds its articles.
        source=ID(stored=True),
        url=STORED(),
        path=STORED(),
        # The article's picture (indexer/image.py), shown as its thumbnail.
        image=STORED(),
        # Their words as written, for "did you mean", are the segments' word lists
        # (indexer/wordlists.py).
        headline=_text(analyzer=text_analyzer(), stored=True),
        body=_text(analyzer=text_analyzer(), stored=True, chars=True),
        byline=_text(analyzer=names, stored=True),
        section=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True, scorable=False),
        # The publisher's wall-clock time, so a date filter and the day shown are the day the
        # publisher states; with date_offset (minutes east of UTC, when stated) it is the
        # instant. Undated articles sort as the oldest (column default 0), not the newest.
        date=ColumnDate(stored=True, sortable=NumericColumn("Q", default=0)),
        date_offset=STORED(),
        people=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True, scorable=False),
        organisations=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True, scorable=False),
        places=KEYWORD(stored=True, lowercase=True, commas=True, sortable=True, scorable=False),
        person=_text(analyzer=names),
        org=_text(analyzer=names),
        place=_text(analyzer=names),
        entity=_text(analyzer=names),
        # MinHash band keys of the body (indexer/stories.py), comma-joined bytes: articles
        # sharing one are one story, listed once. Only a column, read per commit: indexed,
        # its 16 distinct terms an article were a third of the terms written.
        story=COLUMN(VarBytesColumn()),
    )


def join_names(names: list[str]) -> str:
    """One KEYWORD value; commas inside a name would split it, so they become spaces."""
    return ",".join(n.replace(",", " ").strip() for n in names if n.strip())


def split_names(value: str | bytes | None) -> list[str]:
    if not value:
        return []
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return [n for n in value.split(",") if n]
