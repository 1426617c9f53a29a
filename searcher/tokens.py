"""The tokens of a text as a field's analyzer makes them, each distinct word analysed once.

Snippets and marked headlines place the query's words by analysing the shown hit's text
again. Whoosh's analyzer runs every token through a chain of generators (tokenizer,
lower-casing, accent folding, stop words, stemming): ~5 µs a token, half the time of a
search. The schema's text and name analyzers are a regular-expression tokenizer followed by
filters that look at one token at a time, so a word analyses the same alone as in its
text: here the tokenizer's own expression finds the words and each distinct word goes
through the filters once, its result kept. Any other analyzer is run as it is.

Marking words without phrases needs no positions: term_spans finds in C only the tokens
that start with a character folding to a wanted form's first letter (Porter's stemmer and
the fold never change a word's start but to fold it), ~6 µs a body instead of ~25 µs for
every token; phrase_tokens adds the positions a phrase needs from the words between those
tokens alone."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from whoosh.analysis import CharsetFilter, CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang import porter

from indexer.analysis import PER_TOKEN_FILTERS, filtered

# Analysed words kept per analyzer, and analyzers kept (each reopened searcher has its own).
MAX_WORDS = 200_000
MAX_ANALYZERS = 16
_MISSING = object()
# The schema's tokenizer (indexer.schema): a token is a run of word characters or "*",
# runs joined by single dots ("u.s", "3.141"); the same without a capturing group, and the
# characters of a run.
DOTTED_WORDS = r"[\w\*]+(\.?[\w\*]+)*"
_DOTTED_WORDS_WHOLE = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
# The ASCII characters a token can start with.
_ASCII_WORD = [c for c in map(chr, range(128)) if re.fullmatch(r"[\w\*]", c)]
# A token's first character consumed, the rest of the token: the first is a run character,
# and neither a run character nor a dot after one stands before it (no token runs into it).
_TOKEN_REST = r"(?<=[\w\*])(?<![\w\*][\s\S])(?<![\w\*]\.[\s\S])[\w\*]*(?:\.?[\w\*]+)*"
_NON_ASCII_TOKENS = re.compile(r"[^\x00-\x7f]" + _TOKEN_REST)

Token = tuple[str, int, int, int]  # (analysed text, position, start char, end char)


@dataclass
class _Forms:
    """An analyzer's analysed form of each word seen (None: a stop word), and whether stop
    words leave no gap in the positions."""

    analyzer: object
    renumbered: bool
    # When the filters keep a word's first letter lower-cased and folded (lower-case, fold,
    # stop words, Porter stemming, which only ever changes a word's end): the fold's table.
    charmap: dict | None = None
    forms: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.starts: dict[str, str] = {}
        if self.charmap is not None:
            for c in _ASCII_WORD:
                initial = c.lower().translate(self.charmap)[:1]
                self.starts[initial] = self.starts.get(initial, "") + c

    def scanners(self, wanted: set[str] | frozenset[str], ascii_text: bool) -> list[re.Pattern]:
        """Expressions that together find, once each, the tokens of a text whose form may be
        wanted: with `charmap`, those starting with an ASCII character that lower-cases and
        folds to a wanted form's first letter, and in a text not all ASCII any starting
        with another character; else every token. A body has ~150 tokens, each analysed
        when new, of which a few start as a wanted form does."""
        if self.charmap is None:
            return [_DOTTED_WORDS_WHOLE]
        found = [_starting_with(self.starts[i]) for i in {form[:1] for form in wanted} if i in self.starts]
        return found if ascii_text else [*found, _NON_ASCII_TOKENS]

    def form_of(self, word: str) -> str | None:
        """The word's form, analysed now if it was never seen."""
        form = self.forms.get(word, _MISSING)
        if form is _MISSING:
            if len(self.forms) >= MAX_WORDS:
                self.forms.clear()
            form = self.forms[word] = filtered(word, self.analyzer.items[1:])
        return form


_forms: dict[int, _Forms] = {}


def tokens(text: str, analyzer, keep: Callable[[str], bool] | None = None) -> Iterator[Token]:
    """The analyser's tokens of `text` (mode "index"), those whose text `keep` accepts."""
    entry = _plain(analyzer)
    if entry is None:
        for t in analyzer(text, positions=True, chars=True, mode="index"):
            if keep is None or keep(t.text):
                yield t.text, t.pos, t.startchar, t.endchar
        return
    renumbered = entry.renumbered
    pos = -1
    for match in analyzer.items[0].expression.finditer(text):
        form = entry.form_of(match.group())
        if form is None:
            pos += not renumbered
            continue
        pos += 1
        if keep is None or keep(form):
            yield form, pos, match.start(), match.end()


def forms(text: str, analyzer, mode: str = "index") -> list[str]:
    """The analysed texts of the tokens of `text`, each distinct word analysed once when the
    analyzer is plain (whose filters treat a token alike in every mode), else by the
    analyzer in `mode`: a query's words go through three fields' analyzers."""
    if _plain(analyzer) is None:
        return [t.text for t in analyzer(text, mode=mode)]
    return [form for form, _, _, _ in tokens(text, analyzer)]


def unstemmed_forms(text: str, analyzer) -> list[str]:
    """The analysed texts as analyzer(text, no_morph=True) gives them (no stemming), each
    distinct word analysed once like forms(): spelling reads every typed word this way."""
    if not isinstance(analyzer, CompositeAnalyzer):
        return [t.text for t in analyzer(text, no_morph=True)]
    kept = _unstemmed.get(id(analyzer))
    if kept is None or kept[0] is not analyzer:
        if len(_unstemmed) >= MAX_ANALYZERS:
            _unstemmed.clear()
        items = [item for item in analyzer.items if not getattr(item, "is_morph", False)]
        kept = _unstemmed[id(analyzer)] = (analyzer, CompositeAnalyzer(*items))
    return forms(text, kept[1])


_unstemmed: dict[int, tuple[object, CompositeAnalyzer]] = {}


def term_spans(text: str, analyzer, wanted: set[str] | frozenset[str]) -> list[tuple[str, int, int]]:
    """(form, start char, end char) of the tokens of `text` whose form is wanted, in order:
    tokens() without positions."""
    entry = _dotted(analyzer)
    if entry is None:
        return [(form, start, end) for form, _, start, end in tokens(text, analyzer, wanted.__contains__)]
    return _spans(entry, text, wanted)


def _spans(entry: _Forms, text: str, wanted: set[str] | frozenset[str]) -> list[tuple[str, int, int]]:
    """term_spans for an analyzer whose tokenizer is DOTTED_WORDS (_dotted)."""
    spans = []
    form_of = entry.form_of
    scanners = entry.scanners(wanted, text.isascii())
    for scanner in scanners:
        for match in scanner.finditer(text):
            form = form_of(match.group())
            if form in wanted:
                spans.append((match.start(), match.end(), form))
    if len(scanners) > 1:
        spans.sort()
    return [(form, start, end) for start, end, form in spans]


@functools.lru_cache(maxsize=None)  # one per first letter of the fold
def _starting_with(characters: str) -> re.Pattern:
    """The tokens starting with one of these ASCII characters (the few that fold alike)."""
    return re.compile(f"[{''.join(map(re.escape, characters))}]" + _TOKEN_REST)


def phrase_tokens(text: str, analyzer, wanted: set[str] | frozenset[str]) -> list[Token]:
    """The tokens of `text` whose form is wanted, in order, with positions as a phrase needs
    them: two in a row are one apart exactly when they are in the text (nothing stands
    between them but words the analyzer drops, when it renumbers), else two. Found as
    term_spans finds them; only the first word between two of them is analysed, not every
    word of the text (a phrase's snippet: ~1.7 ms a body otherwise, in a fresh process)."""
    entry = _dotted(analyzer)
    if entry is None:
        return list(tokens(text, analyzer, wanted.__contains__))
    found: list[Token] = []
    pos = 0
    for form, start, end in _spans(entry, text, wanted):
        if found:
            pos += 1 if _adjacent(entry, text, found[-1][3], start) else 2
        found.append((form, pos, start, end))
    return found


def _adjacent(entry: _Forms, text: str, end: int, start: int) -> bool:
    """Whether the token ending at `end` and the one starting at `start` have positions one
    apart: every token between them a dropped word, and dropped words leave no gap."""
    for match in entry.analyzer.items[0].expression.finditer(text, end, start):
        if not entry.renumbered or entry.form_of(match.group()) is not None:
            return False
    return True


def _dotted(analyzer) -> _Forms | None:
    """The analyzer's analysed words when it is plain (_plain) and its tokenizer is the
    schema's (DOTTED_WORDS), whose tokens term_spans finds by their words."""
    entry = _plain(analyzer)
    expression = analyzer.items[0].expression if entry is not None else None
    if expression is None or expression.pattern != DOTTED_WORDS or expression.flags != _DOTTED_WORDS_WHOLE.flags:
        return None
    return entry


def _initial_charmap(filters: list) -> dict | None:
    """The accent-folding table when `filters` are lower-case, fold, then optionally stop
    words and Porter's stemmer: a word's form then starts with its first letter lower-cased
    and folded."""
    kinds = [type(f) for f in filters]
    if kinds[:2] != [LowercaseFilter, CharsetFilter] or kinds[2:] not in ([], [StopFilter], [StopFilter, StemFilter]):
        return None
    if StemFilter in kinds and (filters[-1].stemfn is not porter.stem or filters[-1].lang):
        return None
    return filters[1].charmap


def _plain(analyzer) -> _Forms | None:
    """The analyzer's analysed words; None when `analyzer` is not a plain tokenizer with
    per-token filters."""
    entry = _forms.get(id(analyzer))
    if entry is not None and entry.analyzer is analyzer:
        return entry
    if not (isinstance(analyzer, CompositeAnalyzer) and type(analyzer.items[0]) is RegexTokenizer
            and not analyzer.items[0].gaps and all(type(f) in PER_TOKEN_FILTERS for f in analyzer.items[1:])):
        return None
    # The headline's and the body's analyzers, and every reopened searcher's (each commit's
    # schema is read afresh), analyse alike: they share the words analysed so far.
    twin = next((e for e in _forms.values() if _same_analysis(e.analyzer, analyzer)), None)
    if len(_forms) >= MAX_ANALYZERS:
        _forms.clear()
    renumbered = all(f.renumber for f in analyzer.items[1:] if isinstance(f, StopFilter))
    entry = _forms[id(analyzer)] = _Forms(analyzer, renumbered, _initial_charmap(analyzer.items[1:]),
                                          twin.forms if twin is not None else {})
    return entry


def _same_analysis(a: CompositeAnalyzer, b: CompositeAnalyzer) -> bool:
    """Whether two plain analyzers give every word the same form: the same parts with the
    same options (Whoosh's == leaves out a stemmer's ignored words)."""
    return len(a.items) == len(b.items) and all(
        type(x) is type(y) and _options(x) == _options(y) for x, y in zip(a.items, b.items))


def _options(part) -> dict:
    return {k: v for k, v in vars(part).items() if k != "_stem"}  # _stem: the stemmer's own cache
