"""The tokens of a text as a field's analyzer makes them, each distinct word analysed once.

Snippets and marked headlines place the query's words by analysing the shown hit's text
again. Whoosh's analyzer runs every token through a chain of generators (tokenizer,
lower-casing, accent folding, stop words, stemming): ~5 µs a token, half the time of a
search. The schema's text and name analyzers are a regular-expression tokenizer followed by
filters that look at one token at a time, so a word analyses the same alone as in its
text: here the tokenizer's own expression finds the words and each distinct word goes
through the whole analyzer once, its result kept. Any other analyzer is run as it is."""
from __future__ import annotations

from typing import Callable, Iterator

from whoosh.analysis import (CharsetFilter, CompositeAnalyzer, LowercaseFilter, RegexTokenizer,
                             StemFilter, StopFilter)

# Filters whose output for a token depends on that token alone (a StopFilter may renumber
# the positions: the kept tokens are counted instead of all).
_PER_TOKEN = (LowercaseFilter, CharsetFilter, StopFilter, StemFilter)
# Analysed words kept per analyzer, and analyzers kept (each reopened searcher has its own).
MAX_WORDS = 200_000
MAX_ANALYZERS = 16
_MISSING = object()
_forms: dict[int, tuple[object, dict[str, str | None], bool]] = {}

Token = tuple[str, int, int, int]  # (analysed text, position, start char, end char)


def tokens(text: str, analyzer, keep: Callable[[str], bool] | None = None) -> Iterator[Token]:
    """The analyser's tokens of `text` (mode "index"), those whose text `keep` accepts."""
    entry = _plain(analyzer)
    if entry is None:
        for t in analyzer(text, positions=True, chars=True, mode="index"):
            if keep is None or keep(t.text):
                yield t.text, t.pos, t.startchar, t.endchar
        return
    _, forms, renumbered = entry
    pos = -1
    for match in analyzer.items[0].expression.finditer(text):
        word = match.group()
        form = forms.get(word, _MISSING)
        if form is _MISSING:
            if len(forms) >= MAX_WORDS:
                forms.clear()
            form = forms[word] = next((t.text for t in analyzer(word, mode="index")), None)
        if form is None:
            pos += not renumbered
            continue
        pos += 1
        if keep is None or keep(form):
            yield form, pos, match.start(), match.end()


def _plain(analyzer) -> tuple[object, dict[str, str | None], bool] | None:
    """The analyzer, the analysed form of each word seen (None: a stop word) and whether
    stop words leave no gap in the positions; None when `analyzer` is not a plain
    tokenizer with per-token filters."""
    entry = _forms.get(id(analyzer))
    if entry is not None and entry[0] is analyzer:
        return entry
    if not (isinstance(analyzer, CompositeAnalyzer) and type(analyzer.items[0]) is RegexTokenizer
            and not analyzer.items[0].gaps and all(type(f) in _PER_TOKEN for f in analyzer.items[1:])):
        return None
    if len(_forms) >= MAX_ANALYZERS:
        _forms.clear()
    renumbered = all(f.renumber for f in analyzer.items[1:] if isinstance(f, StopFilter))
    entry = _forms[id(analyzer)] = (analyzer, {}, renumbered)
    return entry
