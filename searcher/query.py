"""The reader's query language, bounded so no query can take the site down.

Words, "phrases", AND/OR/NOT, -word, field:word (headline, byline, section, entity, person,
org, place), short prefixes (drone*), fuzzy words (dron~), and dates: date:2026-01,
date:[2025-12-01 TO 2026-01-31], date:yesterday, date:"last week". Anything costly (leading
wildcards, huge expansions, deep nesting, ranges on text) is refused with a message.

Read as readers type: a hyphen inside a word joins its parts (no-confidence is the phrase
"no confidence" or the word noconfidence), only a hyphen starting a word means NOT; stop
words are never required; an all-capital query (a pasted headline) is words, not operators;
a prefix that names no searchable field is part of the words."""
from __future__ import annotations

import calendar
import datetime as dt
import re
import threading
import unicodedata
from dataclasses import dataclass

from whoosh import query
from whoosh.qparser import MultifieldParser, OrGroup, AndGroup, plugins, syntax

from . import expansion
from .request import MAX_QUERY_WORDS, QueryError, day_end
from .tokens import forms

# Headline words say what an article is about. A name's words also stand in the body, so
# an entity match adds half a body match: at 1.5 the names spaCy finds in capitalised text
# outranked real matches (entities on ranked below entities off in bench/relevance.py).
FIELD_BOOSTS = {"headline": 1.25, "body": 1.0, "entity": 0.5}
FIELD_ALIASES = {
    "person": ["people", "persons"],
    "org": ["organisation", "organisations", "organization", "organizations"],
    "place": ["places", "location"],
    "headline": ["title"],
    "byline": ["author", "by"],
}
SEARCHABLE_FIELDS = {"headline", "body", "byline", "section", "entity", "person", "org", "place"}
# A bare word is also searched among the names when the reader writes it as one, or when at
# least this share of the articles using it name it: "system", "library" or "present"
# (names spaCy found in capitalised titles) otherwise lifted articles for a common word.
NAME_SHARE = 0.5
MAX_NESTING = 20
MIN_PREFIX = 2
MAX_FUZZY_DISTANCE = 2
# "Any" ranks documents with more of the words first through BM25F's sum over the words.
# (OrGroup.factory's coordination bonus would not apply: the parsed queries keep no scale.)
ANY_GROUP = OrGroup

# + and - are operators only at the start of a word: after whitespace, "(" or the query's start.
_PLUS = r"(?<![^\s(])\+(?=[^\s+])"
_MINUS = r"(?<![^\s(])-(?=[^\s-])"
# Hyphens (ASCII, Unicode's hyphens and the en dash) between letters or digits.
_INNER_HYPHEN = re.compile(r"(?<=[^\W_])[-\u2010\u2011\u2012\u2013](?=[^\W_])")
# A question's "?" (ending or starting a word, or standing alone) is punctuation, not a
# wildcard: wom?n still is one.
_QUESTION_MARK = re.compile(r"\?+(?=[\s)\"]|$)|(?<![^\s(])\?+(?=\w)")
_DATE_TERM = re.compile(r'(?<![\w:])date:(\[[^\]]*\]|"[^"]*"|\S+)', re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Words of letters and digits only, as most queries are: no syntax for the parser to read.
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9]+(?:\s+[A-Za-z0-9]+)*")
# The parser's operator words (and the range keyword), in any case: left to the parser.
_OPERATOR_WORDS = {"and", "or", "not", "andnot", "andmaybe", "to"}
# Each thread's parsers by (schema, match): building one compiles its plugins' expressions.
_parsers = threading.local()


@dataclass
class ParsedQuery:
    query: query.Query
    date_range: tuple[dt.datetime, dt.datetime] | None
    text: str
    browse: bool  # no words: every article (within the filters)
    notice: str | None = None  # why nothing was searched, for the reader


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


def is_all_capitals(text: str) -> bool:
    """A pasted headline ("BLAIR AND BROWN AT ODDS"): letters, none lower-case."""
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and not any(ch.islower() for ch in letters)


class ReaderWordsPlugin(plugins.Plugin):
    """Between the field prefixes and the spreading of bare words over the default fields:
    drops the bare words the text fields' analyzer stops (the name fields keep stop words, so
    a bare "the" would otherwise be required there), adds the joined form of a hyphenated
    word beside the word itself (its parts, a phrase in every field) and makes each part of
    an unknown prefix (foo:bar) a word of its own."""

    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.stopped: list[str] = []
        self.kept = 0

    def reset(self) -> None:
        """Forget the words of the last parse (a parser is reused)."""
        self.stopped = []
        self.kept = 0

    def filters(self, parser):
        return [(self.do_words, 105)]

    def do_words(self, parser, group):
        out = group.empty_copy()
        for node in group:
            if isinstance(node, syntax.GroupNode):
                out.append(self.do_words(parser, node))
            elif type(node) is syntax.WordNode:
                out.extend(self._words(node))
            else:
                self.kept += isinstance(node, syntax.TextNode)
                out.append(node)
        return out

    def _words(self, node) -> list:
        if node.fieldname is None and ":" in node.text:
            parts = [_word(part, node) for part in node.text.split(":") if part]
            return [n for part in parts for n in self._words(part)]
        if node.fieldname is None and not any(True for _ in self.analyzer(node.text)):
            if re.search(r"\w", node.text):
                self.stopped.append(node.text)
            return []
        self.kept += 1
        if not _INNER_HYPHEN.search(node.text):
            return [node]
        joined = _word(_INNER_HYPHEN.sub("", node.text), node)
        group = syntax.OrGroup([node, joined])
        if node.fieldname:
            group.set_fieldname(node.fieldname)
        return [group]


class _PlusMinusPlugin(plugins.PlusMinusPlugin):
    """+word and -word; a query of only -words ("-drone") is every article without them,
    as "NOT drone" is, not nothing."""

    def __init__(self):
        super().__init__(plusexpr=_PLUS, minusexpr=_MINUS)

    def do_plusminus(self, parser, group):
        group = super().do_plusminus(parser, group)
        if isinstance(group, syntax.AndNotGroup) and not group[0]:
            return syntax.NotGroup([group[1]])
        return group


def _word(text: str, like) -> syntax.WordNode:
    """A word node standing where `like` stood (the query's character range)."""
    node = syntax.WordNode(text)
    node.startchar, node.endchar = like.startchar, like.endchar
    return node


def make_parser(schema, match: str) -> MultifieldParser:
    parser = MultifieldParser(list(FIELD_BOOSTS), schema, fieldboosts=FIELD_BOOSTS,
                              group=AndGroup if match == "all" else ANY_GROUP)
    parser.remove_plugin_class(plugins.EveryPlugin)
    names = sorted(SEARCHABLE_FIELDS | {a for aliases in FIELD_ALIASES.values() for a in aliases})
    # Only the searchable fields are prefixes; any other word: stays text (ReaderWordsPlugin).
    parser.replace_plugin(plugins.FieldsPlugin(expr=rf"(?P<text>{'|'.join(names)}):"))
    parser.add_plugin(_PlusMinusPlugin())
    parser.add_plugin(ReaderWordsPlugin(schema["body"].analyzer))
    parser.add_plugin(plugins.FuzzyTermPlugin())
    parser.add_plugin(plugins.FieldAliasPlugin(FIELD_ALIASES))
    return parser


def _parser(schema, match: str) -> MultifieldParser:
    """This thread's parser for `schema` and `match`, ready for a new parse."""
    cache = getattr(_parsers, "by_key", None)
    if cache is None:
        cache = _parsers.by_key = {}
    key = (id(schema), match)
    entry = cache.get(key)
    if entry is None or entry[0] is not schema:
        if len(cache) >= 8:  # schemas of reopened indexes
            cache.clear()
        entry = cache[key] = (schema, make_parser(schema, match))
    parser = entry[1]
    _reader_words(parser).reset()
    return parser


def _reader_words(parser: MultifieldParser) -> ReaderWordsPlugin:
    return next(p for p in parser.plugins if isinstance(p, ReaderWordsPlugin))


def _plain_query(words: str, schema, match: str, typed: str, reader) -> query.Query | None:
    """The query the parser makes of plain words (letters and digits, no operator), built
    directly, with its entity terms gated as _names_where_named gates them: each word kept
    (not a stop word) is the OR of its term in each default field with that field's boost,
    the words joined by `match`. Nothing in it is unbounded (_bound). None for anything
    else, which the parser reads. Parsing cost ~0.6 ms a query."""
    if not _PLAIN_WORDS.fullmatch(words):
        return None
    parts = []
    for m in re.finditer(r"\S+", words):
        word = m.group()
        if word.lower() in _OPERATOR_WORDS:
            return None
        if not forms(word, schema["body"].analyzer):
            continue  # a stop word, as ReaderWordsPlugin drops it
        fields = []
        for name, boost in FIELD_BOOSTS.items():
            texts = forms(word, schema[name].analyzer, mode="query")  # the field's process_text
            if len(texts) > 1:
                return None
            if texts and not (name == "entity" and not _is_name(typed, m.start(), m.end(), reader, texts[0])):
                term = query.Term(name, texts[0], boost=boost)
                term.startchar, term.endchar = m.start(), m.end()
                fields.append(term)
        parts.append(query.Or(fields))
    if not parts:
        return None
    return (query.And(parts) if match == "all" else query.Or(parts)).normalize()


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
        elif sub.field() and sub.field() not in SEARCHABLE_FIELDS:
            raise QueryError(f"cannot search the {sub.field()} field")
    q = q.accept(expansion.budgeted)
    expansion.expand_all(q, reader)
    return q


def _written_as_name(typed: str, start: int, end: int) -> bool:
    """The word has a capital and does not start the query or a sentence ("Blair", "MEDLARS",
    "McDonald"; not the "What" of a question), in a query that is not all capitals."""
    word = typed[start:end]
    if not any(ch.isupper() for ch in word) or is_all_capitals(typed):
        return False
    if word[1:] != word[1:].lower():
        return True
    before = typed[:start]
    return bool(re.search(r"\w", before)) and not re.search(r"[.?!:;][\s(\"']*$", before)


def _is_name(typed: str, start: int, end: int, reader, word: str) -> bool:
    """Whether a bare word's entity-field term stays: the word is a name as written or by
    how the archive uses it."""
    return _written_as_name(typed, start, end) or _named_in_archive(reader, word)


def _named_in_archive(reader, word: str) -> bool:
    """At least NAME_SHARE of the articles using the word (by the body's stem) name it."""
    named = reader.doc_frequency("entity", word)
    if not named:
        return False
    stems = forms(word, reader.schema["body"].analyzer)
    using = max(named, reader.doc_frequency("body", stems[0])) if stems else named
    return named >= NAME_SHARE * using


def _names_where_named(q: query.Query, typed: str, reader) -> query.Query:
    """Drop a bare word's entity-field term unless the word is a name (as written in the
    query, or by how the archive's articles use it); a word the reader put in a field
    (entity:udc) stays."""

    def gate(sub: query.Query) -> query.Query:
        if (isinstance(sub, query.Term) and sub.fieldname == "entity" and sub.startchar is not None
                and typed[sub.startchar - 1:sub.startchar] != ":"
                and not _is_name(typed, sub.startchar, sub.endchar, reader, sub.text)):
            return query.NullQuery
        return sub

    return q.accept(gate).normalize()


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
    typed = words
    words = _QUESTION_MARK.sub(lambda m: " " * len(m.group()), words)
    if is_all_capitals(words):
        words = words.lower()
    plain = _plain_query(words, schema, match, typed, reader)
    if plain is not None:
        return ParsedQuery(plain, date_range, text, browse=False)
    parser = _parser(schema, match)
    try:
        q = parser.parse(words)
    except Exception:
        # Whatever the syntax did wrong, the words themselves are still a search.
        parser = _parser(schema, match)
        q = parser.parse(re.sub(r'[()"\[\]{}:^~*?+\\-]', " ", words))
    if q is query.NullQuery:
        reader_words = _reader_words(parser)
        if date_range:
            return ParsedQuery(query.Every(), date_range, text, browse=True)
        if reader_words.stopped and not reader_words.kept:
            common = ", ".join(dict.fromkeys(w.lower() for w in reader_words.stopped))
            notice = (f"Only very common words ({common}), which are not searched: add a word "
                      f"that says what the articles are about.")
            return ParsedQuery(query.NullQuery, date_range, text, browse=False, notice=notice)
        return ParsedQuery(query.NullQuery, date_range, text, browse=False)
    q = _names_where_named(q, typed, reader)
    return ParsedQuery(_bound(q, reader), date_range, text, browse=False)
