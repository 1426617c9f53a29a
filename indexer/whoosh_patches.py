"""One fix to whoosh-reloaded 2.7.5 (pinned exactly), applied on import of the indexer.

W3PerDocReader._cached_reader caches a field-length column reader only when the column
exists; for fields without lengths (ID, KEYWORD, the spelling fields) it asks the
filesystem again for every posting. Profiling a 3,000-article commit showed 227,000 stat()
calls costing ~15% of indexing. Caching the absence as well is safe: a segment's files never
change once written.

Field lengths (one byte a document and field) are also loaded into memory once: every
posting written at commit and every posting scored by BM25F asks for one, and reading each
through the column file cost 7% of a commit in the profile of a 10,000-article build.
They are read in one piece: Whoosh's own load() reads them a document at a time, 7 ms per
field and 10,000-article segment, paid by every new searcher on its first queries."""
from __future__ import annotations

from array import array

from whoosh import columns
from whoosh.codec import whoosh3


def _load_lengths(reader) -> array:
    if not (isinstance(reader, columns.NumericColumn.Reader) and reader._fixedlen == 1):
        return reader.load()
    stored = min(reader._count, reader._doccount)
    lengths = array(reader._typecode, reader._dbfile.get(reader._basepos, stored))
    lengths.extend([reader._default] * (reader._doccount - stored))
    return lengths


def _cached_reader(self, fieldname, column):
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        if reader is not None and column is whoosh3.LENGTHS_COLUMN:
            reader = _load_lengths(reader)
        self._readers[fieldname] = reader
        return reader


whoosh3.W3PerDocReader._cached_reader = _cached_reader
