"""The analyzers' terms of a text in one pass, for writing segments.

Whoosh runs each token through five generators (tokenizer, lower-case, accent fold, stop
words, stemmer) and a Token object: 35% of a segment-writing worker's CPU. Here one regular
expression pass looks each distinct token up once (lower-cased, folded, stop-checked and
stemmed together, cached), and the same pass gives the unstemmed words of the segment's
word list (indexer/wordlists.py), so no text is analysed twice. The terms, positions and
character ranges are exactly the chain's (schema.text_analyzer, whose parts are read here),
and so the postings are the bytes Whoosh writes for them (tests/test_analysis.py). Names
(schema.name_analyzer: tokenize|lower|fold) are read the same way."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from .schema import name_analyzer, text_analyzer

# Filters whose output for a token depends on that token alone.
PER_TOKEN_FILTERS = (LowercaseFilter, CharsetFilter, StopFilter, StemFilter)
# Distinct tokens remembered by a process (a worker writes many segments in its life).
CACHE_TOKENS = 1 << 18


def _chain_parts(analyzer, kinds: list[type]) -> list:
    """The analyzer's tokenizer and filters, refused unless they are `kinds` with the
    options reproduced here."""
    parts = analyzer.items
    if [type(p) for p in parts] != kinds or parts[0].gaps:
        raise TypeError(f"indexer.analysis reproduces {kinds}, not {parts}")
    return parts


def _text_parts():
    tokenizer, *filters = _chain_parts(
        text_analyzer(), [RegexTokenizer, LowercaseFilter, CharsetFilter, StopFilter, StemFilter])
    if not filters[2].renumber:
        raise TypeError("indexer.analysis numbers positions as a renumbering StopFilter does")
    return tokenizer.expression, filters[:3], filters[3:]


def _name_parts():
    tokenizer, *filters = _chain_parts(name_analyzer(), [RegexTokenizer, LowercaseFilter, CharsetFilter])
    return tokenizer.expression, filters


_TOKEN, _WORD_FILTERS, _STEM_FILTERS = _text_parts()
_NAME_TOKEN, _NAME_FILTERS = _name_parts()


def filtered(token: str, filters: Sequence) -> str | None:
    """A token through per-token filters (PER_TOKEN_FILTERS) as each treats a token in mode
    "index", without Whoosh's chain of generators and Token objects (~2 µs instead of ~11 µs
    a token); None for a stop word. Shared by the writer and the searcher's tokens."""
    text = token
    for f in filters:
        kind = type(f)
        if kind is LowercaseFilter:
            text = text.lower()
        elif kind is CharsetFilter:
            text = text.translate(f.charmap)
        elif kind is StopFilter:
            if not (len(text) >= f.min and (f.max is None or len(text) <= f.max) and text not in f.stops):
                return None
        elif kind is StemFilter:
            if text not in f.ignore:
                text = f._stem(text)
        else:
            raise TypeError(f"{f!r} is no per-token filter")
    return text


@lru_cache(maxsize=CACHE_TOKENS)
def _word_and_term(token: str) -> tuple[str, str] | None:
    """A token as written → (its word unstemmed, its term), or None for a stop word."""
    word = filtered(token, _WORD_FILTERS)
    if word is None:
        return None
    return word, filtered(word, _STEM_FILTERS)


@dataclass
class Analysed:
    """One text's terms with their occurrences, in order of first occurrence: positions,
    or (position, start char, end char) when `chars`; and its words unstemmed."""

    terms: dict[str, list] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)


def analyse(text: str, chars: bool) -> Analysed:
    """What text_analyzer() gives for `text` with positions (and character ranges).

    Positions are the chain's: a token's number among all tokens, stop words included,
    until the first kept one; the kept tokens after it are numbered on from there without
    gaps (StopFilter's renumbering)."""
    result = Analysed()
    terms, words = result.terms, result.words
    pos = -1
    for number, match in enumerate(_TOKEN.finditer(text)):
        found = _word_and_term(match.group())
        if found is None:
            continue
        word, term = found
        pos = number if pos < 0 else pos + 1
        words.add(word)
        occurrence = (pos, match.start(), match.end()) if chars else pos
        occurrences = terms.get(term)
        if occurrences is None:
            terms[term] = [occurrence]
        else:
            occurrences.append(occurrence)
    return result


@lru_cache(maxsize=CACHE_TOKENS)
def _name_term(token: str) -> str:
    return filtered(token, _NAME_FILTERS)


def analyse_names(text: str) -> Analysed:
    """What name_analyzer() gives for `text` with positions: every token, numbered in order."""
    result = Analysed()
    terms = result.terms
    for pos, token in enumerate(_NAME_TOKEN.finditer(text)):
        term = _name_term(token.group())
        occurrences = terms.get(term)
        if occurrences is None:
            terms[term] = [pos]
        else:
            occurrences.append(pos)
    return result
