"""Each segment's words as written (unstemmed), with how many of its articles use each, for
"did you mean" (searcher/spelling.py).

Whoosh's `spelling=True` kept them as `spell_*` fields: a second analysis of every headline
and body and a posting per distinct word and article, 45% of all the postings a commit
wrote. Here one short list per segment holds them: a file inside the segment's compound
file, so it is written, synced, checked and removed with the segment, never on its own."""
from __future__ import annotations

import zlib
from collections import Counter
from typing import Iterable

from whoosh.analysis import CharsetFilter, RegexTokenizer, StopFilter
from whoosh.writing import SegmentWriter

from .schema import text_analyzer

# The file's extension inside the segment (MAIN_<id>.words).
EXT = ".words"
# The fields whose words are listed.
FIELDS = ("headline", "body")


def _parts():
    parts = text_analyzer().items
    token = next(p for p in parts if isinstance(p, RegexTokenizer)).expression
    charmap = next(p for p in parts if isinstance(p, CharsetFilter)).charmap
    stop = next(p for p in parts if isinstance(p, StopFilter))
    return token, charmap, stop.stops, stop.min


_TOKEN, _CHARMAP, _STOPS, _MINSIZE = _parts()


class _Words:
    """The words of texts as the text analyzer gives them without stemming (lower-cased,
    accents folded, stop words out), each distinct token folded once per segment."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self._folded: dict[str, str | None] = {}

    def add(self, texts: Iterable[str]) -> None:
        """One article's texts: each of its words counts once."""
        raw = {m.group() for text in texts if text for m in _TOKEN.finditer(text)}
        words = set()
        for token in raw:
            word = self._folded.get(token, "")
            if word == "":
                word = token.lower().translate(_CHARMAP)
                word = self._folded[token] = word if len(word) >= _MINSIZE and word not in _STOPS else None
            if word is not None:
                words.add(word)
        self.counts.update(words)


def spelling_words(text: str) -> set[str]:
    """The listed words of one text."""
    words = _Words()
    words.add([text])
    return set(words.counts)


class WordListWriter(SegmentWriter):
    """A SegmentWriter that also writes the new segment's word list."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._words = _Words()

    def add_document(self, **fields) -> None:
        super().add_document(**fields)
        self._words.add(fields.get(name) or "" for name in FIELDS)

    def add_reader(self, reader) -> None:
        """A merge: the live articles' words, read again from their stored text (the
        counts of the merged segments include their deleted articles)."""
        super().add_reader(reader)
        for _, stored in reader.iter_docs():
            self._words.add(stored.get(name) or "" for name in FIELDS)

    def _finalize_segment(self):
        if self._words.counts:
            lines = "".join(f"{w}\t{n}\n" for w, n in sorted(self._words.counts.items()))
            with self.newsegment.create_file(self.storage, EXT) as out:
                out.write(zlib.compress(lines.encode("utf-8"), 1))
        return super()._finalize_segment()


def read_words(leaf) -> dict[str, int]:
    """A segment reader's words → the number of its articles using each ({} when none)."""
    segment = leaf.segment()
    try:
        data = segment.open_file(leaf.storage(), EXT).read()
    except (OSError, KeyError, NameError):
        return {}
    words = {}
    for line in zlib.decompress(data).decode("utf-8").splitlines():
        word, _, count = line.partition("\t")
        words[word] = int(count)
    return words
