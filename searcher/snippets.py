"""Snippets: the passages of a hit that show why it matched, with the query's words marked.

At most two fragments of about SNIPPET_CHARS together, each a whole sentence or cut at a
word with "…"; never overlapping; a phrase is marked as one phrase and its words are not
marked alone elsewhere. When no sentence holds more of the query than the lead sentence
does, the lead is shown: it says what the story is.

Two renderings of the same passages: HTML-safe (every character of article text escaped,
only our own <mark> tags raw; safe in element content, never put it in an attribute) and
terminal text (words in bold when the output is a terminal)."""
from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass
from typing import Iterable

from whoosh import query as wquery

from .tokens import phrase_tokens, term_spans

SNIPPET_CHARS = 240
# A second fragment shorter than this reads as noise rather than context.
MIN_SECOND = 70
BETWEEN = " … "
ELLIPSIS = "…"
_WS = re.compile(r"\s+")
_MARK_TAGS = re.compile("</?mark>")
# A sentence ends at . ! ? (and closing quotes or brackets) before a capital, digit or
# opening quote; or at a line break. "Mr. Smith" and "U.S. officials" do not end one.
# Both ends start with one character of [.!?\n], consumed first and the lookbehinds tested
# after it: the search then skips in C to the next such character, ~4× faster than trying
# each position of the text.
# The empty group marks where a sentence ended by punctuation ends (before the spaces).
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=\n)\s*|(?<!\n)(?<![A-Z].)(?<!\b(?:Mr|Dr|St|Ms|Jr|Sr|No|vs).)(?<!\bMrs.)"
                           r"(?<!\b[A-Z]\.[A-Z].)[.!?]*[\"”’')\]]*()\s+(?=[\"“‘'(\[]?[A-Z0-9]))")


@dataclass(frozen=True)
class Marks:
    """What to light in one field: words wherever they occur, phrases only as phrases."""

    terms: frozenset[str] = frozenset()
    phrases: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.terms or self.phrases)


@dataclass(frozen=True)
class QueryMarks:
    """What a query lights in one field, whatever the hit: its phrases there, and the words
    it has there only inside phrases (never lit alone). Read off the query once per page."""

    fieldname: str
    phrases: tuple[tuple[str, ...], ...]
    phrase_only: frozenset[str]

    @classmethod
    def of(cls, q: wquery.Query | None, fieldname: str) -> "QueryMarks":
        phrases: list[tuple[str, ...]] = []
        loose: set[str] = set()
        for leaf in (q.leaves() if q is not None else ()):
            if isinstance(leaf, wquery.Phrase):
                if leaf.fieldname == fieldname and leaf.words:
                    phrases.append(tuple(leaf.words))
            else:
                loose |= {t for f, t in leaf.terms() if f == fieldname and isinstance(t, str)}
        return cls(fieldname, tuple(dict.fromkeys(phrases)), frozenset({w for p in phrases for w in p} - loose))

    def marks(self, matched: Iterable[tuple[str, bytes | str]]) -> Marks:
        """The marks of a hit that matched the terms `matched` (wildcards and fuzzy words
        already expanded)."""
        words = {t.decode("utf-8") if isinstance(t, bytes) else t for f, t in matched if f == self.fieldname}
        return Marks(frozenset(words - self.phrase_only), self.phrases)


@dataclass
class _Span:
    start: int
    end: int
    key: str | tuple[str, ...]


class _Sentence:
    """A sentence's bounds, its number in the text and the spans in it."""

    __slots__ = ("start", "end", "number", "spans", "keys", "score")

    def __init__(self, start: int, end: int, number: int = 0) -> None:
        self.start, self.end, self.number = start, end, number
        self.spans: list[_Span] = []
        self.keys: set = set()
        self.score = 0.0

    def settle(self) -> None:
        """Its words and phrases and its score, once its spans are all placed: read a few
        times each while the snippet's sentences are chosen."""
        self.keys = {s.key for s in self.spans}
        self.score = sum(2.0 if isinstance(k, tuple) else 1.0 for k in self.keys) + 0.01 * len(self.spans)


def match_spans(text: str, analyzer, marks: Marks) -> list[_Span]:
    """Where the marks occur in `text`, in order: phrases as one span each."""
    if not marks or not text:
        return []
    if not marks.phrases:  # words alone: their places, in order, without positions
        return [_Span(start, end, word) for word, start, end in term_spans(text, analyzer, marks.terms)]
    wanted = marks.terms.union(*marks.phrases)
    tokens = phrase_tokens(text, analyzer, wanted)
    spans: list[_Span] = []
    in_phrase: set[int] = set()
    for phrase in marks.phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if all(tokens[i + k][0] == phrase[k] and tokens[i + k][1] == tokens[i][1] + k for k in range(n)):
                spans.append(_Span(tokens[i][2], tokens[i + n - 1][3], phrase))
                in_phrase.update(range(i, i + n))
    for i, (word, _, start, end) in enumerate(tokens):
        if word in marks.terms and i not in in_phrase:
            spans.append(_Span(start, end, word))
    spans.sort(key=lambda s: (s.start, -s.end))
    kept: list[_Span] = []
    for span in spans:  # overlapping phrases ("new york" in "new york times"): the first
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def sentences(text: str, through: int | None = None) -> list[_Sentence]:
    """The sentences of `text`; with `through`, only the first ones up to the one holding
    that character position (at least one): no later sentence can hold a match before it."""
    return [_Sentence(start, end, n) for n, (start, end) in enumerate(sentence_bounds(text, through))]


def sentence_bounds(text: str, through: int | None = None) -> list[tuple[int, int]]:
    """sentences() as (start, end) pairs: a snippet makes sentences only of the lead and
    those holding a match, of the ~15 a body has."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start(1)
        if end < 0:  # a line break: the sentence ends at the last non-space before it
            end = m.start()
            while end > start and text[end - 1].isspace():
                end -= 1
        if end > start:  # the sentence ends in its punctuation or a non-space before the break
            out.append((start, end))
        start = m.end()
        if through is not None and out and start >= through:
            return out
    if text[start:].strip():
        out.append((start, len(text.rstrip())))
    return out


def render(text: str, start: int, end: int, spans: list[_Span]) -> str:
    """text[start:end], escaped, whitespace collapsed, the spans inside it marked."""
    out, at = [], start
    for span in spans:
        if span.start < start or span.end > end:
            continue
        out.append(html.escape(_WS.sub(" ", text[at:span.start])))
        out.append("<mark>" + html.escape(_WS.sub(" ", text[span.start:span.end])) + "</mark>")
        at = span.end
    out.append(html.escape(_WS.sub(" ", text[at:end])))
    return "".join(out).strip()


def _window(text: str, sentence: _Sentence, budget: int) -> tuple[int, int]:
    """The part of a sentence to show within `budget` characters: all of it, or a window cut
    at words that starts a little before its first match."""
    start, end = sentence.start, sentence.end
    if end - start <= budget:
        return start, end
    first, first_end = (sentence.spans[0].start, sentence.spans[0].end) if sentence.spans else (start, start)
    if first_end - start > budget * 3 // 4:
        start = max(start, first - budget // 4)
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = start + budget
    space = text.rfind(" ", start, end)
    return start, space if space > start else end


def _fragment(text: str, spans: list[_Span], sentence: _Sentence, budget: int) -> tuple[str, bool, bool]:
    start, end = _window(text, sentence, budget)
    return render(text, start, end, spans), start > sentence.start, end < sentence.end


def snippet(text: str, analyzer, marks: Marks, limit: int = SNIPPET_CHARS) -> str:
    """The HTML-safe snippet of `text`: see the module's docstring."""
    spans = match_spans(text, analyzer, marks)
    if _short(text, limit):
        return render(text, 0, len(text), spans)
    # Sentences past the last match are never shown: the lead or a sentence with a match is.
    bounds = sentence_bounds(text, through=spans[-1].end if spans else 0)
    if not bounds:
        return ""
    # Each span in the first sentence ending at or after it, if it starts there (spans
    # across two sentences are in none).
    ends = [end for _, end in bounds]
    held: dict[int, _Sentence] = {}
    for span in spans:
        n = bisect.bisect_left(ends, span.end)
        if n < len(bounds) and span.start >= bounds[n][0]:
            sentence = held.get(n)
            if sentence is None:
                sentence = held[n] = _Sentence(*bounds[n], n)
            sentence.spans.append(span)
    lead = held.get(0) or _Sentence(*bounds[0], 0)
    # Only the lead and the sentences with a match can be chosen: any other scores 0 and
    # starts after the lead.
    marked = list(held.values())
    for sentence in marked:
        sentence.settle()
    best = max([lead, *marked], key=lambda s: (s.score, -s.start))
    if best.score <= lead.score + 0.5:
        best = lead  # the lead holds as much of the query: it is the better summary
    chosen = [best]
    fragments = [_fragment(text, spans, best, limit)]
    room = limit - len(html.unescape(_MARK_TAGS.sub("", fragments[0][0])))
    if room >= MIN_SECOND:
        seen = best.keys
        others = [s for s in marked if s is not best and s.keys - seen]
        if others:
            second = max(others, key=lambda s: (len(s.keys - seen), s.score, -s.start))
            chosen.append(second)
            fragments.append(_fragment(text, spans, second, room))
    order = sorted(range(len(chosen)), key=lambda i: chosen[i].start)
    out = ""
    for n, i in enumerate(order):
        body, cut_left, cut_right = fragments[i]
        if n == 0:
            out = (ELLIPSIS + " " if cut_left else "") + body
        else:
            adjacent = chosen[i].number == chosen[order[n - 1]].number + 1
            joined = not cut_left and not fragments[order[n - 1]][2] and adjacent
            out += (" " if joined else BETWEEN) + body
        if n == len(order) - 1 and cut_right:
            out += " " + ELLIPSIS
    return out


def _short(text: str, limit: int) -> bool:
    """Whether the text with its whitespace collapsed (str.split's) is at most `limit`
    characters: shown whole. Split only as far as decides it: more than limit // 2 + 1
    words take at least limit + 2 characters."""
    if len(text) <= limit:
        return True
    most = limit // 2 + 1
    words = text.split(None, most)
    return len(words) <= most and sum(map(len, words)) + len(words) - 1 <= limit


def lead_sentence(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The first sentence, HTML-safe, cut at a word with "…" when long: what a hit shows
    when nothing in its body is worth marking."""
    parts = sentences(text, through=0)
    if not parts:
        return ""
    body, _, cut = _fragment(text, [], parts[0], limit)
    return body + (" " + ELLIPSIS if cut else "")


def html_to_terminal(snippet_html: str, bold: bool) -> str:
    """The terminal rendering of an HTML-safe snippet (same passages, no second highlight)."""
    on, off = ("\x1b[1m", "\x1b[0m") if bold else ("", "")
    return html.unescape(snippet_html.replace("<mark>", on).replace("</mark>", off))
