""""Did you mean": corrections drawn from the words actually in the index.

Works on the words as the reader typed them: Whoosh's correct_query corrects the stemmed
terms ("goverment" → stem "gover" → "given") and ranks every candidate within the maximum
distance alike, so its suggestions read badly.

Near words are found by rapidfuzz (edit distances in C) over each segment's word list, read
once per segment: Whoosh's terms_within computes a pure-Python distance to every term with
the same initial, twice (distance 1, then 2), which cost 80–270 ms a misspelled word on a
10,000-article index and grows with the index."""
from __future__ import annotations

import re
import threading
from collections import defaultdict

from rapidfuzz import process
from rapidfuzz.distance import OSA

MAX_DISTANCE = 2
RARE = 2
COMMONER = 20
SPELLING_FIELDS = ("body", "headline")
_WORD = re.compile(r"[^\W\d_]{3,}")
_OPERATORS = {"AND", "OR", "NOT", "TO"}


class Lexicon:
    """The spelling fields' words of every segment, grouped by initial letter.

    Segments never change once written, so each is read once and shared by every thread;
    a commit costs only the reading of its new segments."""

    def __init__(self) -> None:
        self._segments: dict[str, dict[str, list[str]]] = {}
        self._lock = threading.Lock()

    def _words_of(self, leaf) -> dict[str, list[str]]:
        key = leaf.segment().segment_id()
        with self._lock:
            words = self._segments.get(key)
        if words is None:
            by_initial: dict[str, set[str]] = defaultdict(set)
            for field in SPELLING_FIELDS:
                name = leaf.schema[field].spelling_fieldname(field)
                for term in leaf.lexicon(name):
                    word = term.decode("utf-8")
                    by_initial[word[:1]].add(word)
            words = {initial: sorted(found) for initial, found in by_initial.items()}
            with self._lock:
                self._segments[key] = words
        return words

    def near(self, reader, word: str) -> dict[str, int]:
        """Indexed words within MAX_DISTANCE edits of `word`, sharing its initial (as
        Whoosh's prefix=1), with their distances."""
        found: dict[str, int] = {}
        # An index with no article yet has one empty reader and no segment.
        leaves = [leaf for leaf, _ in reader.leaf_readers() if leaf.segment() is not None]
        for leaf in leaves:
            choices = self._words_of(leaf).get(word[:1], [])
            for cand, distance, _ in process.extract(word, choices, scorer=OSA.distance,
                                                     score_cutoff=MAX_DISTANCE, limit=None):
                if cand != word:
                    found[cand] = min(distance, found.get(cand, distance))
        live = {leaf.segment().segment_id() for leaf in leaves}
        with self._lock:
            for key in [k for k in self._segments if k not in live]:
                del self._segments[key]
        return found


def _best_word(reader, lexicon: Lexicon, word: str, beat: int = 0) -> str | None:
    """The nearest indexed word, the most common among equally near ones, if it is in more
    than `beat` articles. A word that stems as `word` does is no correction: it finds the
    same articles ("goverment" and "governess" both stem to "gover")."""
    spell_fields = [reader.schema[f].spelling_fieldname(f) for f in SPELLING_FIELDS]
    stem = _stems(reader, word)
    near = lexicon.near(reader, word)
    for distance in range(1, MAX_DISTANCE + 1):
        candidates = {cand: sum(reader.doc_frequency(f, cand) for f in spell_fields)
                      for cand, d in near.items() if d == distance and _stems(reader, cand) != stem}
        best = max(candidates, key=lambda c: (candidates[c], c), default=None)
        if best is not None and candidates[best] > beat:
            return best
    return None


def _stems(reader, word: str) -> list[str]:
    return [t.text for t in reader.schema["body"].analyzer(word)]


def _as_typed(word: str, typed: str) -> str:
    """The correction in the reader's case: GOVERNMENT for GOVERMENT, Thames for Thams."""
    if typed.isupper() and len(typed) > 1:
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def correct(reader, lexicon: Lexicon, text: str) -> str | None:
    """The query with each word the index does not know, as written, replaced by its
    nearest known word; None when every word is known (or nothing near is).

    A word is known by its own spelling (accents folded), not by its stem: "goverment"
    stems as "governess" does, and the one article about a governess must not hide the
    misspelling."""
    analyzer = reader.schema["body"].analyzer
    spell_fields = [reader.schema[f].spelling_fieldname(f) for f in SPELLING_FIELDS]
    pieces: list[str] = []
    last = 0
    changed = False
    for m in _WORD.finditer(text):
        word = m.group()
        if word in _OPERATORS or text[m.end():m.end() + 1] == ":" or text[:m.start()].endswith("date:"):
            continue
        folded = [t.text for t in analyzer(word, no_morph=True)]
        if not folded:
            continue  # a stop word
        # A word a few articles misspell is still a misspelling when a near word is common.
        seen_in = sum(reader.doc_frequency(f, folded[0]) for f in spell_fields)
        if seen_in > RARE:
            continue
        better = _best_word(reader, lexicon, folded[0], beat=seen_in * COMMONER)
        if better:
            pieces.append(text[last:m.start()])
            pieces.append(_as_typed(better, word))
            last = m.end()
            changed = True
    if not changed:
        return None
    pieces.append(text[last:])
    return "".join(pieces)
