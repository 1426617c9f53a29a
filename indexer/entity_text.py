"""The text the entity model reads: an article body with lines in capitals re-cased and
section subheadings blanked, always the same length as the body so offsets still point
into it.

spaCy's small model tags nearly every word of an all-capitals line as a name (60 all-caps
articles: 1,327 names, 751 once sentence-cased), and reads a subheading such as
"Analysis" or "Entering Westminster" run into the next paragraph as part of a name."""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+")
_LINE = re.compile(r"[^\n]+")
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_TITLE_MIN_LETTERS = 5
# A line in capitals: this many cased letters at least, nearly all upper case.
_CAPS_MIN_LETTERS = 12
_CAPS_SHARE = 0.9
# A subheading: a short line with no sentence end and no figures (a dateline has a date),
# between two paragraphs of prose.
_SUBHEADING_MAX_WORDS = 8
_SENTENCE_END = tuple('.!?"”’\')')


def _is_caps(line: str) -> bool:
    upper = sum(map(str.isupper, line))
    return upper >= _CAPS_MIN_LETTERS and upper >= _CAPS_SHARE * (upper + sum(map(str.islower, line)))


def _after_sentence_end(line: str, pos: int) -> bool:
    pos -= 1
    while pos >= 0 and line[pos] in " \t":
        pos -= 1
    return pos < 0 or line[pos] in '.!?:"“'



def _forms(lines: list[str], wanted: set[str]) -> dict[str, str]:
    """How the article writes the `wanted` words (casefolded) where case carries meaning: the
    commonest form outside the capitals lines and away from the start of a sentence, else
    (a word only ever written first, like a name opening each paragraph) its form at a
    sentence start."""
    inner: dict[str, Counter] = defaultdict(Counter)
    first: dict[str, Counter] = defaultdict(Counter)
    for line in lines:
        for m in _WORD.finditer(line):
            word = m.group()
            key = word.casefold()
            if key not in wanted or (word.isupper() and len(word) > 1):
                continue  # capitals say nothing of how the word is cased
            (first if _after_sentence_end(line, m.start()) else inner)[key][word] += 1
    forms = {key: seen.most_common(1)[0][0] for key, seen in first.items()}
    forms.update((key, seen.most_common(1)[0][0]) for key, seen in inner.items())
    return forms


def _recase(line: str, forms: dict[str, str]) -> str:
    """A capitals line in the case the rest of the article uses for its words; words it
    never writes otherwise become lower case (even the first: "CRICKET - ENGLAND WIN" reads
    "cricket - England win", not the name "Cricket")."""
    def word(m: re.Match) -> str:
        token = m.group()
        new = forms.get(token.casefold(), token.lower())
        return new if len(new) == len(token) else token
    return _WORD.sub(word, line)


def _subheadings(lines: list[tuple[int, str]]) -> set[int]:
    """Indexes of lines that are subheadings: short, no sentence end, prose either side."""
    found = set()
    for n in range(1, len(lines) - 1):
        text = lines[n][1].strip()
        if (text and not text.endswith(_SENTENCE_END) and not any(c.isdigit() for c in text)
                and len(text.split()) <= _SUBHEADING_MAX_WORDS
                and lines[n - 1][1].rstrip().endswith(_SENTENCE_END)
                and lines[n + 1][1].rstrip().endswith(_SENTENCE_END)):
            found.add(n)
    return found


def _recase_words(line: str, forms: dict[str, str]) -> str:
    """Words in capitals inside a line of prose ("WEST GERMANY'S bid", the dateline's
    "BELGRADE") in the form the article writes them elsewhere, acronyms it always writes so
    staying; words of five letters or more it never writes otherwise are capitalised: the
    model misses most names in capitals, and "Unicef" is still read as a name."""
    def word(m: re.Match) -> str:
        token = m.group()
        new = forms.get(token.casefold(), token if len(token) < _TITLE_MIN_LETTERS else token.title())
        return new if len(new) == len(token) else token
    return _CAPS_WORD.sub(word, line)


def model_text(body: str) -> str:
    """The body as the model should read it (same length, same offsets)."""
    lines = [(m.start(), m.group()) for m in _LINE.finditer(body)]
    caps = {n for n, (_, line) in enumerate(lines) if _is_caps(line)}
    skip = _subheadings(lines)
    words = [n for n, (_, line) in enumerate(lines) if n not in caps and _CAPS_WORD.search(line)]
    if not caps and not skip and not words:
        return body
    wanted = {w.casefold() for n in caps for w in _WORD.findall(lines[n][1])}
    wanted.update(w.casefold() for n in words for w in _CAPS_WORD.findall(lines[n][1]))
    forms = _forms([line for n, (_, line) in enumerate(lines) if n not in caps], wanted)
    out = list(body)
    for n, (start, line) in enumerate(lines):
        if n in skip:
            new = " " * len(line)
        elif n in caps:
            new = _recase(line, forms)
        else:
            new = _recase_words(line, forms)
        out[start:start + len(line)] = new
    return "".join(out)


# Words either side of a capitalised word the model reads with it: its tok2vec sees four
# tokens each way, so the spans it finds are those of the whole text.
NAME_CONTEXT = 4
_TOKEN = re.compile(r"\S+")
_PART_GAP = "\n"
# Function words, capitalised only to start a sentence (or as "I"): no name, and a name beside
# one has a capital of its own. A third of a BBC body's capitalised words are these.
_FUNCTION_WORDS = frozenset("""
a an the this that these those there here i i'm i've i'd you he she it it's he's she's we they
we're we've they're there's that's his her its their our my your
and but or so if when while as in on at for with after before by from of to
however although though because also what which who how why where
is was are were has have had not yes all some many most other now then more even just only
still yet both each every any such about over under during since until despite among than
""".split())
_EDGE = "\"'“”‘’()[],.;:!?-"


@dataclass
class NameWindows:
    """The parts of a model text around its capitalised words, joined by line breaks: what
    the model reads instead of the whole text (a name has a capital; 40% of a BBC body's
    words are more than four words from one). `original` maps an offset back."""

    text: str
    starts: list[int]
    origins: list[int]

    def original(self, pos: int) -> int:
        n = max(0, bisect_right(self.starts, pos) - 1)
        return self.origins[n] + pos - self.starts[n]


def _may_name(word: str) -> bool:
    """A word with a capital that is not a capitalised function word ("The", "But", "I'm";
    "US" and "IT" are written in capitals, so they stay)."""
    if not any(c.isupper() for c in word):
        return False
    core = word.strip(_EDGE)
    return core.casefold() not in _FUNCTION_WORDS or not (core[0].isupper() and core[1:] == core[1:].lower())


def name_windows(text: str) -> NameWindows:
    """`text` cut to the words within NAME_CONTEXT words of one with a capital letter that
    may be part of a name (not a capitalised function word)."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    keep = bytearray(len(tokens))
    for n, (start, end) in enumerate(tokens):
        if _may_name(text[start:end]):
            for near in range(max(0, n - NAME_CONTEXT), min(len(tokens), n + NAME_CONTEXT + 1)):
                keep[near] = 1
    parts, starts, origins, length = [], [], [], 0
    n = 0
    while n < len(tokens):
        if not keep[n]:
            n += 1
            continue
        first = n
        while n + 1 < len(tokens) and keep[n + 1]:
            n += 1
        begin, stop = tokens[first][0], tokens[n][1]
        if parts:
            parts.append(_PART_GAP)
            length += len(_PART_GAP)
        starts.append(length)
        origins.append(begin)
        parts.append(text[begin:stop])
        length += stop - begin
        n += 1
    return NameWindows("".join(parts), starts or [0], origins or [0])
