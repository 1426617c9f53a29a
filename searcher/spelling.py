""""Did you mean": corrections drawn from the words actually in the index.

Works on the words as the reader typed them: Whoosh's correct_query corrects the stemmed
terms ("goverment" → stem "gover" → "given") and ranks every candidate within the maximum
distance alike, so its suggestions read badly."""
from __future__ import annotations

import re

MAX_DISTANCE = 2
RARE = 2
COMMONER = 20
SPELLING_FIELDS = ("body", "headline")
_WORD = re.compile(r"[^\W\d_]{3,}")
_OPERATORS = {"AND", "OR", "NOT", "TO"}


def _best_word(reader, word: str, beat: int = 0) -> str | None:
    """The nearest indexed word, the most common among equally near ones, if it is in more
    than `beat` articles."""
    spell_fields = [reader.schema[f].spelling_fieldname(f) for f in SPELLING_FIELDS]
    for distance in range(1, MAX_DISTANCE + 1):
        candidates: dict[str, int] = {}
        for field in spell_fields:
            for cand in reader.terms_within(field, word, distance, prefix=1):
                if cand != word:
                    candidates[cand] = candidates.get(cand, 0) + reader.doc_frequency(field, cand)
        best = max(candidates, key=lambda c: (candidates[c], c), default=None)
        if best is not None and candidates[best] > beat:
            return best
    return None


def correct(reader, text: str) -> str | None:
    """The query with each word the index does not know replaced by its nearest known word;
    None when every word is known (or nothing near is)."""
    analyzer = reader.schema["body"].analyzer
    pieces: list[str] = []
    last = 0
    changed = False
    for m in _WORD.finditer(text):
        word = m.group()
        if word in _OPERATORS or text[m.end():m.end() + 1] == ":" or text[:m.start()].endswith("date:"):
            continue
        stems = [t.text for t in analyzer(word.lower())]
        if not stems:
            continue
        # A word a few articles misspell is still a misspelling when a near word is common.
        seen_in = sum(reader.doc_frequency(f, stems[0]) for f in SPELLING_FIELDS)
        if seen_in > RARE:
            continue
        better = _best_word(reader, word.lower(), beat=seen_in * COMMONER)
        if better:
            pieces.append(text[last:m.start()])
            pieces.append(better)
            last = m.end()
            changed = True
    if not changed:
        return None
    pieces.append(text[last:])
    return "".join(pieces)
