"""Segments read as slices of a memory map (indexer.mapped_files) read as plain reads do."""
from __future__ import annotations

import io
import shutil
from array import array

from whoosh.filedb.filestore import FileStorage
from whoosh.index import FileIndex

from indexer.durable import open_last_good
from indexer.mapped_files import MappedCompound, MappedFile
from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, SearchRequest

from .conftest import corpus


def _contents(ix) -> tuple:
    """Every stored document, every term with its postings (ids, weights, positions) and
    every field length: all a searcher reads."""
    with ix.searcher() as searcher:
        reader = searcher.reader()
        stored = list(reader.all_stored_fields())
        postings = []
        for fieldname, btext in reader.all_terms():
            matcher = reader.postings(fieldname, btext)
            while matcher.is_active():
                value = matcher.value_as("positions") if reader.schema[fieldname].format.supports("positions") else None
                postings.append((fieldname, btext, matcher.id(), matcher.weight(), value))
                matcher.next()
        lengths = [reader.doc_field_length(d, "body") for d in range(reader.doc_count_all())]
    return stored, postings, lengths


def test_mapped_segments_read_as_plain_reads(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(corpus("bbc-news", "tech"), src / "tech")
    root = tmp_path / "ix"
    update_index([src], IndexDir(root), with_entities=False, workers=2)
    gen = IndexDir(root).current()
    mapped = open_last_good(gen)
    compound = mapped.reader().leaf_readers()[0][0]._storage.a  # OverlayStorage(segment, directory)
    assert isinstance(compound, MappedCompound)
    assert isinstance(compound.open_file(compound.list()[0]), MappedFile)
    plain = FileIndex(FileStorage(str(gen), supports_mmap=False))
    assert _contents(mapped) == _contents(plain)
    whole = open_last_good(gen, whole_files=True)
    assert not isinstance(whole.reader().leaf_readers()[0][0]._storage.a, MappedCompound)
    hits = Archive(root).search(SearchRequest(query="broadband")).hits
    assert hits and all("broadband" in h.snippet.lower() for h in hits)


def test_a_mapped_file_reads_as_a_file_of_the_same_bytes():
    """read, readline, seek and tell as io.BytesIO does them; get and get_array as Whoosh's
    StructFile over a real file (arrays stored big-endian)."""
    from whoosh.filedb.structfile import StructFile

    data = b"first line\nsecond\n\nno end" + array("I", [1, 2, 70000]).tobytes()
    mapped, plain = MappedFile(memoryview(data)), io.BytesIO(data)
    steps = [("readline", ()), ("read", (3,)), ("readline", (4,)), ("readline", ()), ("readline", ()),
             ("tell", ()), ("seek", (-5, 2)), ("read", ()), ("read", (2,)), ("seek", (2,)), ("seek", (3, 1)),
             ("read", (-1,)), ("seek", (100,)), ("read", (1,)), ("readline", ())]
    for name, args in steps:
        assert getattr(mapped, name)(*args) == getattr(plain, name)(*args), (name, args)
    real = StructFile(io.BytesIO(data))
    assert mapped.get(3, 9) == real.get(3, 9)
    assert mapped.get_array(25, "I", 3) == real.get_array(25, "I", 3)
    assert mapped.subset(11, 7).read() == b"second\n"
