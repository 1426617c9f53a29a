"""The reader's query language, bounded so no query can take the site down.

Words, "phrases", AND/OR/NOT, -word, field:word (headline, byline, section, entity, person,
org, place), short prefixes (drone*), fuzzy words (dron~), and dates: date:2026-01,
date:[2025-12-01 TO 2026-01-31], date:yesterday, date:"last week". Anything costly (leading
wildcards, huge expansions, deep nesting, ranges on text) is refused with a message."""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from whoosh import query
from whoosh.qparser import MultifieldParser, OrGroup, AndGroup, plugins

from . import expansion
from .request import MAX_QUERY_WORDS, QueryError, day_end

# Headline words say what an article is about; entity names are what readers look for.
FIELD_BOOSTS = {"headline": 1.25, "body": 1.0, "entity": 1.5}
FIELD_ALIASES = {
    "person": ["people", "persons"],
    "org": ["organisation", "organisations", "organization", "organizations"],
    "place": ["places", "location"],
    "headline": ["title"],
    "byline": ["author", "by"],
}
SEARCHABLE_FIELDS = {"headline", "body", "byline", "section", "entity", "person", "org", "place"}
MAX_NESTING = 20
MIN_PREFIX = 2
MAX_FUZZY_DISTANCE = 2
# "Any" ranks documents with more of the words first through BM25F's sum over the words.
# (OrGroup.factory's coordination bonus would not apply: the parsed queries keep no scale.)
ANY_GROUP = OrGroup

_DATE_TERM = re.compile(r'(?<![\w:])date:(\[[^\]]*\]|"[^"]*"|\S+)', re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class ParsedQuery:
    query: query.Query
    date_range: tuple[dt.datetime, dt.datetime] | None
    text: str
    browse: bool  # no words: every article (within the filters)


def _period(text: str, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """A date expression → [start, end) in naive UTC datetimes."""
    t = text.strip().strip('"').strip().lower()
    day = dt.timedelta(days=1)

    def days(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
        return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())

    natural = {
        "today": (today, today + day),
        "yesterday": (today - day, today),
        "this week": (today - dt.timedelta(days=today.weekday()), today + day),
        "this month": (today.replace(day=1), today + day),
        "this year": (today.replace(month=1, day=1), today + day),
        "last week": (today - dt.timedelta(days=7), today + day),
        "past week": (today - dt.timedelta(days=7), today + day),
        "last month": (today - dt.timedelta(days=30), today + day),
        "past month": (today - dt.timedelta(days=30), today + day),
        "last year": (today - dt.timedelta(days=365), today + day),
        "past year": (today - dt.timedelta(days=365), today + day),
    }
    if t in natural:
        return days(*natural[t])
    m = re.fullmatch(r"(?:last|past) (\d{1,4}) days?", t)
    if m:
        return days(today - dt.timedelta(days=int(m.group(1))), today + day)
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", t)
    if m:
        year, month, dday = int(m.group(1)), m.group(2), m.group(3)
        try:
            if dday:
                first = last = dt.date(year, int(month), int(dday))
            elif month:
                first = dt.date(year, int(month), 1)
                last = first.replace(day=calendar.monthrange(year, first.month)[1])
            else:
                first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            return dt.datetime.combine(first, dt.time()), day_end(last)
        except ValueError:
            pass
    raise QueryError(f"not a date I understand: {text!r} (try date:2026-01, date:yesterday or "
                     f'date:[2025-12-01 TO 2026-01-31])')


def parse_date_expression(text: str, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """date:… value → [start, end); ranges are inclusive of both ends' whole periods."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        parts = re.split(r"\s+to\s+|\s+TO\s+", text[1:-1].strip() + " ", maxsplit=1)
        if len(parts) != 2:
            raise QueryError("a date range looks like date:[2025-12-01 TO 2026-01-31]")
        lo, hi = parts[0].strip(), parts[1].strip()
        start = _period(lo, today)[0] if lo else dt.datetime(1, 1, 1)
        end = _period(hi, today)[1] if hi else dt.datetime(9999, 12, 31)
        if start >= end:
            raise QueryError("the date range ends before it starts")
        return start, end
    return _period(text, today)


def clean_text(text: str) -> str:
    """Drop control characters and normalise Unicode so odd input parses like typed text."""
    return unicodedata.normalize("NFKC", _CONTROL.sub(" ", text)).strip()


def _check_shape(text: str, max_words: int) -> None:
    depth = deepest = 0
    for ch in text:
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth = max(0, depth - 1)
    if deepest > MAX_NESTING:
        raise QueryError(f"too many nested parentheses (the limit is {MAX_NESTING})")
    words = len(text.split())
    if words > max_words:
        raise QueryError(f"too many words ({words}; the limit is {max_words})")


def make_parser(schema, match: str) -> MultifieldParser:
    parser = MultifieldParser(list(FIELD_BOOSTS), schema, fieldboosts=FIELD_BOOSTS,
                              group=AndGroup if match == "all" else ANY_GROUP)
    parser.remove_plugin_class(plugins.EveryPlugin)
    parser.add_plugin(plugins.PlusMinusPlugin())
    parser.add_plugin(plugins.FuzzyTermPlugin())
    parser.add_plugin(plugins.FieldAliasPlugin(FIELD_ALIASES))
    return parser


def _bound(q: query.Query, reader) -> query.Query:
    """Refuse or tame the parts of a parsed query whose cost has no ceiling."""
    for sub in q.leaves():
        if isinstance(sub, query.FuzzyTerm):
            sub.maxdist = min(sub.maxdist, MAX_FUZZY_DISTANCE)
            sub.prefixlength = max(sub.prefixlength, 1)
        elif isinstance(sub, (query.Wildcard, query.Prefix)):
            text = sub.text
            stem = re.split(r"[*?]", text, maxsplit=1)[0] if isinstance(sub, query.Wildcard) else text
            if len(stem) < MIN_PREFIX:
                raise QueryError(f"type at least {MIN_PREFIX} letters before a * or ? ({text!r})")
        elif isinstance(sub, (query.TermRange, query.NumericRange)) and not isinstance(sub, query.DateRange):
            raise QueryError("ranges work only on dates: date:[2025-12-01 TO 2026-01-31]")
        elif sub.field() and sub.field() not in SEARCHABLE_FIELDS and not sub.field().startswith("spell_"):
            raise QueryError(f"cannot search the {sub.field()} field")
    q = q.accept(expansion.budgeted)
    expansion.expand_all(q, reader)
    return q


def _only_wildcards(text: str) -> bool:
    return bool(text) and not re.sub(r"[*?:\s]", "", text)


def parse_query(text: str, schema, reader, match: str = "all", today: dt.date | None = None,
                max_words: int = MAX_QUERY_WORDS) -> ParsedQuery:
    """The reader's text → a bounded Whoosh query and a date range pulled out of it."""
    text = clean_text(text)
    today = today or dt.date.today()
    date_range = None
    for m in list(_DATE_TERM.finditer(text)):
        start, end = parse_date_expression(m.group(1), today)
        if date_range:
            start, end = max(start, date_range[0]), min(end, date_range[1])
        date_range = (start, end)
    words = _DATE_TERM.sub(" ", text).strip()
    if not words or _only_wildcards(words):
        return ParsedQuery(query.Every(), date_range, text, browse=True)
    _check_shape(words, max_words)
    parser = make_parser(schema, match)
    try:
        q = parser.parse(words)
    except Exception:
        # Whatever the syntax did wrong, the words themselves are still a search.
        q = parser.parse(re.sub(r'[()"\[\]{}:^~*?+\\-]', " ", words))
    if q is query.NullQuery:
        return ParsedQuery(query.NullQuery, date_range, text, browse=False)
    return ParsedQuery(_bound(q, reader), date_range, text, browse=False)
