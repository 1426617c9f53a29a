""""Did you mean": corrections drawn from the words actually in the index.

Works on the words as the reader typed them: Whoosh's correct_query corrects the stemmed
terms ("goverment" → stem "gover" → "given") and ranks every candidate within the maximum
distance alike, so its suggestions read badly.

Near words are found by rapidfuzz (edit distances in C) over each segment's word list, read
once per segment: Whoosh's terms_within computes a pure-Python distance to every term with
the same initial, twice (distance 1, then 2), which cost 80–270 ms a misspelled word on a
10,000-article index and grows with the index.

A word of the English dictionary (pyspellchecker's 160,000-word list) is never corrected, however
rare in the archive: "drone" on the BBC set (no article has it) is not "done". Nor is a name
the archive holds, however rare: "shahid" (two BBC mentions of Shahid Malik) is not "said",
"blatter" (Sepp Blatter) not "better"."""
from __future__ import annotations

import functools
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from itertools import islice
from typing import Callable

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker


from .tokens import forms, unstemmed_forms

MAX_DISTANCE = 2
RARE = 2
COMMONER = 20
_WORD = re.compile(r"[^\W\d_]{3,}")
_OPERATORS = {"AND", "OR", "NOT", "TO"}
_WILDCARDS = {"~", "*", "?"}
_NOT_WORDS = {":", *_WILDCARDS}
# Articles read to see how a rare word is written (it is in at most RARE; its stem may be
# in a few more).
NAME_LOOKUP = 20
_SENTENCE_START = re.compile(r"(?:^|[.?!:;\"'\u201c\u2018(]\s*|\n\s*)$")


class Lexicon:
    """Every segment's word list (indexer/wordlists.py), grouped by initial letter.

    Segments never change once written, so each is read once and shared by every thread;
    a commit costs only the reading of its new segments. `words` reads a segment's list:
    the archive passes its tables', which the facets' name kinds read too (a copy of its
    own took 44 MB of a warmed process at 100,000 articles)."""

    def __init__(self, words: Callable[[object], dict[str, int]]) -> None:
        self._words = words
        self._segments: dict[str, tuple[dict[str, int], dict[str, list[str]]]] = {}
        self._lock = threading.Lock()

    def _read(self, leaf) -> tuple[dict[str, int], dict[str, list[str]]]:
        """A segment's (article count of each word, words by initial)."""
        key = leaf.segment().segment_id()
        with self._lock:
            entry = self._segments.get(key)
        if entry is None:
            counts = self._words(leaf)
            by_initial: dict[str, list[str]] = defaultdict(list)
            for word in counts:  # sorted in the file
                by_initial[word[:1]].append(word)
            entry = (counts, dict(by_initial))
            with self._lock:
                self._segments[key] = entry
        return entry

    def frequency(self, reader, word: str) -> int:
        """How many articles use `word` as written (deleted ones too, until their segment
        is merged)."""
        return sum(self._read(leaf)[0].get(word, 0) for leaf in _leaves(reader))

    def near(self, reader, word: str) -> dict[str, int]:
        """Indexed words within MAX_DISTANCE edits of `word`, sharing its initial (as
        Whoosh's prefix=1), with their distances."""
        found: dict[str, int] = {}
        leaves = _leaves(reader)
        for leaf in leaves:
            choices = self._read(leaf)[1].get(word[:1], [])
            for cand, distance, _ in process.extract(word, choices, scorer=OSA.distance,
                                                     score_cutoff=MAX_DISTANCE, limit=None):
                if cand != word:
                    found[cand] = min(distance, found.get(cand, distance))
        live = {leaf.segment().segment_id() for leaf in leaves}
        with self._lock:
            for key in [k for k in self._segments if k not in live]:
                del self._segments[key]
        return found


def _leaves(reader) -> list:
    """The segment readers (an index with no article yet has one empty reader and no segment)."""
    return [leaf for leaf, _ in reader.leaf_readers() if leaf.segment() is not None]


@dataclass
class Correction:
    """The reader's query with each unknown word replaced by its nearest known word."""

    text: str
    # No corrected word is in any article as written: whatever the typed query finds, it finds
    # through its other words or a stem shared with another word (goverment, governess).
    unseen: bool


@functools.cache
def _dictionary() -> SpellChecker:
    """Read once per process (under a second), on the first word a correction is found for."""
    return SpellChecker(language="en", distance=1)


def warm(reader, lexicon: Lexicon) -> None:
    """Read now what the first correction would: every segment's word list, the dictionary."""
    for leaf in _leaves(reader):
        lexicon._read(leaf)
    _dictionary()


def is_english(word: str) -> bool:
    return word in _dictionary()


def _best_word(reader, lexicon: Lexicon, word: str, beat: int = 0) -> str | None:
    """The nearest indexed word, the most common among equally near ones, if it is in more
    than `beat` articles. A word that stems as `word` does is no correction: it finds the
    same articles ("goverment" and "governess" both stem to "gover"); and when such a word
    is as near as a correction would be, `word` is its inflection (brexiteers, brexiteer),
    not a misspelling."""
    stem = _stems(reader, word)
    near = lexicon.near(reader, word)
    if any(_stems(reader, cand) == stem for cand in near):
        return None
    for distance in range(1, MAX_DISTANCE + 1):
        candidates = {cand: lexicon.frequency(reader, cand) for cand, d in near.items() if d == distance and _stems(reader, cand) != stem}
        best = max(candidates, key=lambda c: (candidates[c], c), default=None)
        if best is not None and candidates[best] > beat:
            return best
    return None


def is_archive_name(reader, word: str) -> bool:
    """The articles using `word` name someone or something by it: it is one of their
    entities, or they write it with a capital every time, once at least inside a body's
    sentence ("than Shahid", "Sepp Blatter"), never lower-case. A typo they print ("comapnies") is
    lower-case, a sentence's first word capitalised only there."""
    if reader.doc_frequency("entity", word):
        return True
    stems = _stems(reader, word)
    if not stems or not reader.doc_frequency("body", stems[0]):
        return False
    written = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
    inside = False
    for doc in islice(reader.postings("body", stems[0]).all_ids(), NAME_LOOKUP):
        stored = reader.stored_fields(doc)
        for field in ("headline", "body"):
            text = stored.get(field) or ""
            for m in written.finditer(text):
                if not m.group()[0].isupper():
                    return False
                # A headline may capitalise every word.
                inside = inside or (field == "body" and not _SENTENCE_START.search(text[max(0, m.start() - 3):m.start()]))
    return inside


def _stems(reader, word: str) -> list[str]:
    return forms(word, reader.schema["body"].analyzer)


def _as_typed(word: str, typed: str) -> str:
    """The correction in the reader's case: GOVERNMENT for GOVERMENT, Thames for Thams."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def correct(reader, lexicon: Lexicon, text: str) -> Correction | None:
    """The query with each word the index does not know, as written, replaced by its
    nearest known word; None when every word is known (or nothing near is).

    A word is known by its own spelling (accents folded), not by its stem: "goverment"
    stems as "governess" does, and the one article about a governess must not hide the
    misspelling. An English word is known wherever it is (is_english), and so is a name of
    the archive's (is_archive_name)."""
    analyzer = reader.schema["body"].analyzer
    pieces: list[str] = []
    last = 0
    changed = False
    unseen = True
    for m in _WORD.finditer(text):
        word = m.group()
        after, before = text[m.end():m.end() + 1], text[max(0, m.start() - 1):m.start()]
        # A field name, a date, or a word whose near words the reader asked for (markt~, dro*).
        if word in _OPERATORS or after in _NOT_WORDS or before in _WILDCARDS or text[:m.start()].endswith("date:"):
            continue
        folded = unstemmed_forms(word, analyzer)
        if not folded:
            continue  # a stop word
        # A word a few articles misspell is still a misspelling when a near word is common.
        seen_in = lexicon.frequency(reader, folded[0])
        if seen_in > RARE:
            continue
        better = _best_word(reader, lexicon, folded[0], beat=seen_in * COMMONER)
        if better and not is_english(folded[0]) and not (seen_in and is_archive_name(reader, folded[0])):
            pieces.append(text[last:m.start()])
            pieces.append(_as_typed(better, word))
            last = m.end()
            changed = True
            unseen = unseen and not seen_in
    if not changed:
        return None
    pieces.append(text[last:])
    return Correction("".join(pieces), unseen)
