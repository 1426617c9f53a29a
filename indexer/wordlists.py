"""Each segment's words as written (unstemmed), with how many of its articles use each, for
"did you mean" (searcher/spelling.py).

Whoosh's `spelling=True` kept them as `spell_*` fields: a second analysis of every headline
and body and a posting per distinct word and article, 45% of all the postings a commit
wrote. Here one short list per segment holds them: a file inside the segment's compound
file, so it is written, synced, checked and removed with the segment, never on its own.
The words come from the same pass that makes the fields' terms (indexer.analysis)."""
from __future__ import annotations

import zlib
from collections import Counter
from typing import Iterable

from whoosh.formats import Characters, Positions
from whoosh.writing import SegmentWriter

from .analysis import Analysed, analyse, analyse_names
from .lean_postings import LeanWriter
from .postings import TermPool, write_postings
from .schema import name_analyzer, text_analyzer

# The file's extension inside the segment (MAIN_<id>.words).
EXT = ".words"
# The fields whose words are listed: text_analyzer()'s, analysed in one pass.
FIELDS = ("headline", "body")


def spelling_words(text: str) -> set[str]:
    """The listed words of one text: the text analyzer's, lower-cased, accents folded, stop
    words out, not stemmed."""
    return analyse(text, chars=False).words


def _postings(analysed: Analysed, fmt: Positions) -> Iterable[tuple[bytes, int, float, bytes]]:
    """What `field.index(text)` gives Whoosh's writer: (term, frequency, weight, encoded
    occurrences) per term, encoded by the field's own format."""
    boost = fmt.field_boost
    encode = fmt.encode
    for term, occurrences in analysed.terms.items():
        yield term.encode("utf-8"), len(occurrences), float(len(occurrences)) * boost, encode(occurrences)


class WordListWriter(SegmentWriter):
    """A SegmentWriter that analyses headline and body once each (indexer.analysis) and
    also writes the new segment's word list."""

    def __init__(self, *args, limitmb: int = 128, **kwargs) -> None:
        super().__init__(*args, limitmb=limitmb, **kwargs)
        self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self._counts: Counter = Counter()
        analyzer = text_analyzer()
        for name in FIELDS:
            fieldobj = self.schema[name]
            if fieldobj.analyzer != analyzer or type(fieldobj.format) not in (Positions, Characters):
                raise TypeError(f"the {name} field is not text_analyzer()'s with positions: "
                                "indexer.analysis would not write its terms")
        if any(f.vector or f.separate_spelling() for f in self.schema):
            raise TypeError("add_document below writes no term vectors or spelling fields")
        self._chars = {name: type(self.schema[name].format) is Characters for name in FIELDS}
        names = name_analyzer()
        self._names = {name for name, f in self.schema.items()
                       if f.analyzer == names and type(f.format) is Positions}

    def add_document(self, **fields) -> None:
        """Whoosh's SegmentWriter.add_document for this schema's kinds of field (no boosts,
        term vectors or spelling fields), headline, body and names analysed by one pass each."""
        self._check_state()
        schema = self.schema
        perdoc = self.perdocwriter
        add_posting = self.pool.add
        docnum = self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        words: set[str] = set()
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                fieldobj = schema[name]
                length = 0
                if fieldobj.indexed:
                    if name in self._chars:
                        analysed = analyse(value, self._chars[name])
                        words |= analysed.words
                        postings = _postings(analysed, fieldobj.format)
                    elif name in self._names:
                        postings = _postings(analyse_names(value), fieldobj.format)
                    else:
                        postings = fieldobj.index(value)
                    scorable = fieldobj.scorable
                    for term, freq, weight, encoded in postings:
                        if scorable:
                            length += freq
                        add_posting((name, term, docnum, weight, encoded))
                perdoc.add_field(name, fieldobj, value if fieldobj.stored else None, length)
                if fieldobj.column_type:
                    perdoc.add_column_value(name, fieldobj.column_type, fieldobj.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._counts.update(words)
        self._added = True
        self.docnum += 1

    def add_reader(self, reader) -> None:
        """A merge: the live articles' words, read again from their stored text (the
        counts of the merged segments include their deleted articles)."""
        super().add_reader(reader)
        for _, stored in reader.iter_docs():
            self._counts.update(set().union(*(spelling_words(stored.get(name) or "") for name in FIELDS)))

    def _flush_segment(self) -> None:
        """Whoosh's, with the postings pooled and written by indexer.postings (the same bytes),
        and their ids, weights and positions again as arrays (indexer.lean_postings)."""
        self.perdocwriter.close()
        perdoc = self.per_document_reader() if self.codec.length_stats else None
        lean = LeanWriter(self.docnum)
        write_postings(self.fieldwriter, self.schema, perdoc, self.pool, lean)
        lean.write(self.newsegment, self.storage)
        self.fieldwriter.close()
        if perdoc is not None:
            perdoc.close()

    def _finalize_segment(self):
        if self._counts:
            lines = "".join(f"{w}\t{n}\n" for w, n in sorted(self._counts.items()))
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
