"""Fixes to whoosh-reloaded 2.7.5 (pinned exactly), applied on import of the indexer.

W3PerDocReader._cached_reader caches a field-length column reader only when the column
exists; for fields without lengths (ID, KEYWORD, the spelling fields) it asks the
filesystem again for every posting. Profiling a 3,000-article commit showed 227,000 stat()
calls costing ~15% of indexing. Caching the absence as well is safe: a segment's files never
change once written.

Field lengths are also loaded into memory once: every posting written at commit and every
posting scored by BM25F asks for one, and reading each through the column file cost 7% of a
commit in the profile of a 10,000-article build. They are read in one piece: Whoosh's own
load() reads them a document at a time, 7 ms per field and 10,000-article segment, paid by
every new searcher on its first queries.

Field lengths are exact. Whoosh keeps one byte a document and field, a length rounded up to
one of 256 values (a 1,000-word body is stored as 1,102 words), and BM25 normalised with
those: on MED that ranked 0.0004 MAP below textbook BM25 (bench/relevance.py). Beside its
byte (which the posting blocks' length bounds still use), each length is kept whole in a
4-byte column, and doc_field_length reads that one: BM25F scores, the searcher's array
scoring (searcher.bulk_scores) and merged segments all see the exact length. The average
length was exact already (a field's total over the documents) but for merged segments,
whose totals were summed from the rounded lengths.

A segment's term infos are kept once read. A search looks each of its terms up several
times in every segment (the query's name check, idf for the field and the body, the lean
postings, the facets' and spelling's counts), each time hashing the key and decoding its
record: the median queries of bench.perf's 10k mix made 2,291 lookups of 1,058 distinct
terms. A segment never changes once written, so a kept info never goes stale; each reader
keeps at most TERM_INFOS.

Stored fields are written pickled, without zlib. Whoosh compresses each article's stored
fields (~1,170 bytes pickled to ~700 at 10,000 Reuters and BBC articles); inflating them
took 7.7 of the 11.1 us a results page pays for each hit's stored fields. Segments written
before keep their compressed values: a pickle starts with its protocol byte 0x80, a zlib
stream with 0x78, so each value is read as it was written."""
from __future__ import annotations

import sys
import zlib
from array import array

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length, length_to_byte

EXACT_LENGTHS_COLUMN = columns.NumericColumn("I")
# Term infos one segment's terms reader keeps (a search's terms; about 100 bytes each).
TERM_INFOS = 1 << 16


def exact_length_column(fieldname: str) -> str:
    """The column of the field's exact lengths (Whoosh's own byte column is "_NAME_L")."""
    return f"_{fieldname}_words"


def _load_lengths(reader) -> array:
    if not (isinstance(reader, columns.NumericColumn.Reader) and reader._fixedlen == array(reader._typecode).itemsize):
        return reader.load()
    stored = min(reader._count, reader._doccount)
    lengths = array(reader._typecode, reader._dbfile.get(reader._basepos, stored * reader._fixedlen))
    if reader._fixedlen > 1 and sys.byteorder == "little":
        lengths.byteswap()  # NumericColumn packs big-endian
    lengths.extend([reader._default] * (reader._doccount - stored))
    return lengths


def _cached_reader(self, fieldname, column):
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        if reader is not None and column in (whoosh3.LENGTHS_COLUMN, EXACT_LENGTHS_COLUMN):
            reader = _load_lengths(reader)
        self._readers[fieldname] = reader
        return reader


def exact_lengths(perdoc, fieldname: str) -> array | None:
    """Every document's length in the field (0 without it) of one segment's per-document
    reader; None when no document of the segment has the field."""
    return perdoc._cached_reader(exact_length_column(fieldname), EXACT_LENGTHS_COLUMN)


_whoosh_add_field = whoosh3.W3PerDocWriter.add_field


def _add_field(self, fieldname, fieldobj, value, length):
    _whoosh_add_field(self, fieldname, fieldobj, value, length)
    if length:
        self.add_column_value(exact_length_column(fieldname), EXACT_LENGTHS_COLUMN, length)


def _doc_field_length(self, docnum, fieldname, default=0):
    lengths = exact_lengths(self, fieldname)
    return (lengths[docnum] or default) if lengths is not None else default


def shortest_length(length: int) -> int:
    """The shortest exact length Whoosh stores as the same byte as `length`: the posting
    blocks' and term infos' minimum lengths are rounded up, so a score bound taken from them
    must use this one to stay a bound."""
    byte = length_to_byte(length)
    return byte_to_length(byte - 1) + 1 if byte else 0


_PICKLED = 0x80  # the first byte of a pickle of protocol 2 (whoosh.columns.PickleColumn)


class StoredBytesColumn(columns.VarBytesColumn):
    """Each article's pickled stored fields as they are (VarBytesColumn), and a value
    written by Whoosh's CompressedBytesColumn inflated when read."""

    class Reader(columns.VarBytesColumn.Reader):
        def __getitem__(self, docnum):
            return _plain(columns.VarBytesColumn.Reader.__getitem__(self, docnum))

        def __iter__(self):
            return map(_plain, columns.VarBytesColumn.Reader.__iter__(self))


def _plain(value: bytes) -> bytes:
    return zlib.decompress(value) if value and value[0] != _PICKLED else value


def _kept_info(self, fieldname: str, tbytes: bytes):
    """The term's info (None when the segment has no such term), read once."""
    kept = self.__dict__.get("_newsdesk_infos")
    if kept is None or len(kept) >= TERM_INFOS:
        kept = self._newsdesk_infos = {}
    key = (fieldname, tbytes)
    try:
        return kept[key]
    except KeyError:
        raw = self._tindex.get(self._keycoder(fieldname, tbytes))
        info = kept[key] = None if raw is None else whoosh3.W3TermInfo.from_bytes(raw)
        return info


def _term_info(self, fieldname, tbytes):
    info = _kept_info(self, fieldname, tbytes)
    if info is None:
        raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
    return info


def _doc_frequency(self, fieldname, tbytes):
    info = _kept_info(self, fieldname, tbytes)
    if info is None:
        raise KeyError(tbytes)  # as Whoosh's: the segment reader counts it 0
    return info.doc_frequency()


def _frequency(self, fieldname, tbytes):
    info = _kept_info(self, fieldname, tbytes)
    if info is None:
        raise KeyError(tbytes)
    return info.weight()


def _contains(self, term) -> bool:
    return _kept_info(self, *term) is not None


whoosh3.STORED_COLUMN = columns.PickleColumn(StoredBytesColumn())
whoosh3.W3TermsReader.term_info = _term_info
whoosh3.W3TermsReader.doc_frequency = _doc_frequency
whoosh3.W3TermsReader.frequency = _frequency
whoosh3.W3TermsReader.__contains__ = _contains
whoosh3.W3PerDocReader._cached_reader = _cached_reader
whoosh3.W3PerDocWriter.add_field = _add_field
whoosh3.W3PerDocReader.doc_field_length = _doc_field_length
