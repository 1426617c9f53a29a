"""The text analyzer's terms of a headline or body in one pass, for writing segments.

Whoosh runs each token through five generators (tokenizer, lower-case, accent fold, stop
words, stemmer) and a Token object: 35% of a segment-writing worker's CPU. Here one regular
expression pass looks each distinct token up once (lower-cased, folded, stop-checked and
stemmed together, cached), and the same pass gives the unstemmed words of the segment's
word list (indexer/wordlists.py), so no text is analysed twice. The terms, positions and
character ranges are exactly the chain's (schema.text_analyzer, whose parts are read here),
and so the postings are the bytes Whoosh writes for them (tests/test_analysis.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter

from .schema import text_analyzer

# Distinct tokens remembered by a process (a worker writes many segments in its life).
CACHE_TOKENS = 1 << 18


def _chain_parts():
    """The tokenizer's expression, the accent map, stop words, minimum size and stemmer of
    text_analyzer(); refuses a chain this module would not reproduce exactly."""
    parts = text_analyzer().items
    kinds = [type(p) for p in parts]
    if kinds != [RegexTokenizer, LowercaseFilter, CharsetFilter, StopFilter, StemFilter]:
        raise TypeError(f"indexer.analysis reproduces tokenize|lower|fold|stop|stem, not {kinds}")
    tokenizer, _, fold, stop, stem = parts
    if tokenizer.gaps or not stop.renumber or stop.max is not None or stem.ignore or stem.lang:
        raise TypeError("indexer.analysis reproduces the text analyzer's default options only")
    return tokenizer.expression, fold.charmap, stop.stops, stop.min, stem.stemfn


_TOKEN, _CHARMAP, _STOPS, _MINSIZE, _STEM = _chain_parts()


@lru_cache(maxsize=CACHE_TOKENS)
def _word_and_term(token: str) -> tuple[str, str] | None:
    """A token as written → (its word unstemmed, its term), or None for a stop word."""
    word = token.lower().translate(_CHARMAP)
    if len(word) < _MINSIZE or word in _STOPS:
        return None
    return word, _STEM(word)


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
