import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh.query import Every, Term
from whoosh.reading import SegmentReader

from indexer.article import Article
from indexer.segments import MIN_PER_WORKER, split, text_size
from indexer.store import IndexDir, IndexerBusy, IndexProblem, INFO_FILE
from indexer.writing import update_index

from .conftest import corpus


def ids(root: Path) -> list[str]:
    ix = IndexDir(root).open()
    with ix.searcher() as s:
        return sorted(f["id"] for f in s.all_stored_fields())


def index(paths, root, **kw):
    kw.setdefault("with_entities", False)
    kw.setdefault("workers", 1)
    return update_index(list(paths), IndexDir(root), **kw)


def test_first_run_adds_then_rerun_does_nothing(articles_dir, tmp_path):
    root = tmp_path / "ix"
    first = index([articles_dir], root)
    assert (first.added, first.failed, first.articles) == (4, 0, 8)
    second = index([articles_dir], root)
    assert (second.changed, second.unchanged, second.articles) == (0, 4, 0)
    assert len(ids(root)) == 8


def test_changed_file_is_reparsed_and_replaces_its_articles(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    export = articles_dir / "london-daily-export.jsonl"
    lines = export.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["headline"] = "Rail strike called off after late-night deal"
    export.write_text("\n".join([json.dumps(edited), *lines[2:]]) + "\n")  # line 2 removed
    summary = index([articles_dir], root)
    assert (summary.updated, summary.added, summary.unchanged) == (1, 0, 3)
    assert "ld-2025-12-29-drone-airport" not in ids(root)
    ix = IndexDir(root).open()
    with ix.searcher() as s:
        doc = s.document(id="ld-2025-12-18-rail-strike")
        assert doc["headline"] == "Rail strike called off after late-night deal"
        assert s.doc_count() == 7


def test_touched_but_identical_file_is_not_reparsed(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    path = articles_dir / "london-daily-thames-barrier.txt"
    os.utime(path, (time.time() + 60, time.time() + 60))
    summary = index([articles_dir], root)
    assert summary.changed == 0 and summary.articles == 0


def test_deleted_and_renamed_files(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    (articles_dir / "norfolk-wind-farm.html").unlink()
    (articles_dir / "london-daily-thames-barrier.txt").rename(articles_dir / "thames.txt")
    summary = index([articles_dir], root)
    assert (summary.deleted, summary.added) == (2, 1)
    found = ids(root)
    assert "thames.txt" in found and "london-daily-thames-barrier.txt" not in found
    assert "https://londondaily.example/business/norfolk-wind-farm-grid" not in found
    assert len(found) == 7
    assert index([articles_dir], root).changed == 0  # deleted documents are not deleted again


def test_bad_files_are_named_and_the_run_goes_on(articles_dir, tmp_path):
    (articles_dir / "empty.txt").write_bytes(b"")
    (articles_dir / "junk.html").write_bytes(bytes(range(256)) * 40)
    (articles_dir / "broken.html.gz").write_bytes(b"not gzip at all")
    (articles_dir / "huge.html").write_bytes(b"<p>" + b"x" * (11 * 1024 * 1024) + b"</p>")
    (articles_dir / "cp1252.txt").write_bytes("Café prices rise\n\nA \x93quoted\x94 rise of 5\x80.".encode("latin-1"))
    errors: list[tuple[str, str]] = []
    summary = index([articles_dir], tmp_path / "ix", on_error=lambda p, r: errors.append((p, r)))
    named = {Path(p).name: reason for p, reason in errors}
    assert set(named) == {"empty.txt", "junk.html", "broken.html.gz", "huge.html"}
    assert "empty" in named["empty.txt"] and "too large" in named["huge.html"]
    assert summary.failed == 4 and summary.added == 5
    ix = IndexDir(tmp_path / "ix").open()
    with ix.searcher() as s:
        assert s.document(id="cp1252.txt")["body"] == "A “quoted” rise of 5€."


def test_a_file_that_breaks_keeps_its_last_good_articles(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    (articles_dir / "london-daily-thames-barrier.txt").write_bytes(b"\x00\x01binary now")
    summary = index([articles_dir], root)
    assert summary.failed == 1
    assert "london-daily-thames-barrier.txt" in ids(root)


def test_second_indexer_is_refused_with_the_pid(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom indexer.store import IndexDir\n"
         f"with IndexDir({str(root)!r}).writer_lock():\n    print('locked', flush=True)\n    time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(IndexerBusy, match=rf"another indexer \(pid {holder.pid}\) is running"):
            index([articles_dir], root)
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the dead holder's lock: the next run goes ahead.
    assert index([articles_dir], root).failed == 0


def test_rebuild_swaps_in_a_new_generation(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    old = IndexDir(root).current()
    summary = index([articles_dir], root, rebuild=True)
    assert summary.added == 4
    new = IndexDir(root).current()
    assert new != old and not old.exists()
    assert len(ids(root)) == 8


def test_index_of_another_schema_version_is_refused(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    info = IndexDir(root).current() / INFO_FILE
    info.write_text(json.dumps({"schema_version": 0}))
    with pytest.raises(IndexProblem, match="newsdesk index --rebuild"):
        IndexDir(root).open()
    with pytest.raises(IndexProblem, match="--rebuild"):
        index([articles_dir], root)
    assert index([articles_dir], root, rebuild=True).added == 4


def test_dry_run_writes_nothing(articles_dir, tmp_path):
    root = tmp_path / "ix"
    summary = index([articles_dir], root, dry_run=True)
    assert summary.added == 4
    assert IndexDir(root).current() is None


def test_batches_commit_and_parallel_workers_agree(tmp_path):
    bbc = corpus("bbc-news", "entertainment")
    root = tmp_path / "ix"
    summary = update_index([bbc], IndexDir(root), with_entities=False, workers=2, batch_articles=100)
    assert summary.added == 386 and summary.failed == 0
    ix = IndexDir(root).open()
    with ix.searcher() as s:
        assert s.doc_count() == 386
        assert s.document(id="001.txt")["headline"] == "Gallery unveils interactive tree"
    # The last commit and the one before it (kept as a fallback) are all that stay on disk.
    assert len(list(IndexDir(root).current().glob("*.toc"))) == 2


def test_segments_written_by_workers_match_a_single_writer(tmp_path):
    business = tmp_path / "business"
    shutil.copytree(corpus("bbc-news", "business"), business)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    update_index([business], IndexDir(serial), with_entities=False, workers=1)
    update_index([business], IndexDir(parallel), with_entities=False, workers=2)
    # One commit of 510 articles, written as two segments by two worker processes.
    assert len(IndexDir(parallel).open()._segments()) == 2
    assert sorted(ids(parallel)) == sorted(ids(serial)) and len(ids(parallel)) == 510
    hits = {}
    for root in (serial, parallel):
        with IndexDir(root).open().searcher() as s:
            hits[root] = [(h["id"], h["headline"]) for h in s.search(Term("body", "yuko"), limit=None)]
    assert hits[parallel] and sorted(hits[parallel]) == sorted(hits[serial])
    # Every file changes: the parent deletes the old articles, the workers write the new.
    for path in business.glob("*.txt"):
        path.write_bytes(path.read_bytes() + b"\nCorrection appended.\n")
    summary = update_index([business], IndexDir(parallel), with_entities=False, workers=2)
    assert summary.updated == 510
    with IndexDir(parallel).open().searcher() as s:
        assert s.doc_count() == 510
        assert len(s.search(Term("body", "correct"), limit=None)) == 510


def test_a_commit_is_split_between_workers_by_text_not_by_count():
    # Long articles first, as when the BBC's follow Reuters wires in one batch: equal counts
    # would leave one worker writing twice the text while the other waits.
    items = [(Article(id=f"long{i}", path="a", body="word " * 600), "a") for i in range(300)]
    items += [(Article(id=f"short{i}", path="b", body="word " * 200), "b") for i in range(900)]
    parts = split(items, 2, text_size)
    assert [item for part in parts for item in part] == items
    texts = [sum(map(text_size, part)) for part in parts]
    assert texts[0] == texts[1] and [len(part) for part in parts] == [300, 900]
    # However uneven the text, no part is smaller than a worker is worth.
    skewed = split(items[:300] + items[300:300 + MIN_PER_WORKER], 2, text_size)
    assert [len(part) for part in skewed] == [MIN_PER_WORKER, 300]


def test_small_commits_are_merged_and_replaced_articles_expunged(tmp_path):
    tech = tmp_path / "tech"
    shutil.copytree(corpus("bbc-news", "tech"), tech)
    root = tmp_path / "ix"
    update_index([tech], IndexDir(root), with_entities=False, workers=2, batch_articles=40)
    segments = IndexDir(root).open()._segments()
    # Eleven commits of 40 or fewer: every eighth small segment triggers a merge of the tier.
    assert len(segments) < 8 and max(s.doc_count_all() for s in segments) >= 8 * 40
    assert sorted(ids(root)) == sorted(p.name for p in tech.glob("*.txt"))
    # Rewrite a third of the files: their old copies are deleted, then merged away.
    for path in sorted(tech.glob("*.txt"))[:134]:
        path.write_bytes(path.read_bytes() + b"\nUpdated.\n")
    update_index([tech], IndexDir(root), with_entities=False, workers=2)
    ix = IndexDir(root).open()
    assert all(s.deleted_count() / s.doc_count_all() < 0.2 for s in ix._segments())
    with ix.searcher() as s:
        assert s.doc_count() == 401 == len(set(ids(root)))
        assert len(s.search(Term("body", "updat"), limit=None)) >= 134


def test_stored_fields_compressed_by_whoosh_and_written_plain_read_alike(tmp_path, monkeypatch):
    """An index whose segments Whoosh wrote with zlib-compressed stored fields (as before
    indexer.whoosh_patches wrote them plain) reads the same beside new plain segments, and
    after they are merged into one."""
    from whoosh import columns
    from whoosh.codec import whoosh3

    from indexer.merging import merge_index

    def first_bytes(root):
        """Each segment's first stored value's first byte, as written."""
        ix = IndexDir(root).open()
        out = []
        for segment in ix._segments():
            reader = SegmentReader(ix.storage, ix.schema, segment)
            stored = reader._perdoc._cached_reader("_stored", whoosh3.STORED_COLUMN)._child
            out.append(columns.VarBytesColumn.Reader.__getitem__(stored, 0)[:1])
            reader.close()
        return out

    sport, politics = tmp_path / "sport", tmp_path / "politics"
    shutil.copytree(corpus("bbc-news", "sport"), sport)
    shutil.copytree(corpus("bbc-news", "politics"), politics)
    root = tmp_path / "ix"
    plain = whoosh3.STORED_COLUMN
    monkeypatch.setattr(whoosh3, "STORED_COLUMN", columns.PickleColumn(columns.CompressedBytesColumn()))
    update_index([sport], IndexDir(root), with_entities=False, workers=1)
    assert set(first_bytes(root)) == {b"\x78"}  # zlib
    monkeypatch.setattr(whoosh3, "STORED_COLUMN", plain)
    update_index([sport, politics], IndexDir(root), with_entities=False, workers=1)
    assert set(first_bytes(root)) == {b"\x78", b"\x80"}  # zlib beside pickles
    expected = {str(p): p.read_bytes().decode("utf-8", "replace").splitlines()[0].strip()
                for d in (sport, politics) for p in d.glob("*.txt")}

    def headlines():
        with IndexDir(root).open().searcher() as s:
            return {f["source"]: f["headline"] for f in s.all_stored_fields()}

    assert headlines() == expected
    merge_index(IndexDir(root), workers=1)
    assert set(first_bytes(root)) == {b"\x80"}
    assert headlines() == expected


@pytest.mark.parametrize("rebuild", [False, True])
def test_an_id_in_two_files_of_a_fresh_build_is_named_and_indexed_once(tmp_path, rebuild):
    src = tmp_path / "src"
    src.mkdir()
    for name, headline in (("a.jsonl", "First"), ("b.jsonl", "Second")):
        (src / name).write_text(json.dumps({"id": "dup", "headline": headline, "body": "Same story."}) + "\n")
    root = tmp_path / "ix"
    for _ in range(1 + rebuild):
        errors = []
        update_index([src], IndexDir(root), with_entities=False, workers=1, batch_articles=1,
                     rebuild=rebuild, on_error=lambda p, r: errors.append((Path(p).name, r)))
        assert errors == [("b.jsonl", f"duplicate id 'dup' (already given by {src / 'a.jsonl'}); not indexed")]
    assert ids(root) == ["dup"]  # one commit per file: the second never replaced the first
    with IndexDir(root).open().searcher() as s:
        assert s.document(id="dup")["headline"] == "First"


@pytest.mark.parametrize("old, new", [("a.jsonl", "b.jsonl"), ("b.jsonl", "a.jsonl")])
def test_an_id_moving_between_two_files_changed_in_one_run_is_kept(tmp_path, old, new):
    """The holder of the moved id is parsed again in the same run: it gives the id up, so the
    other file may take it (parsed before or after it)."""
    src = tmp_path / "src"
    src.mkdir()

    def write(name, *stories):
        (src / name).write_text("".join(json.dumps({"id": i, "headline": i, "body": f"Story {i}."}) + "\n"
                                        for i in stories))
    write(old, "moved", "stays")
    write(new, "other")
    root = tmp_path / "ix"
    index([src], root)
    write(old, "stays")
    write(new, "other", "moved")
    errors = []
    index([src], root, on_error=lambda p, r: errors.append((p, r)))
    assert errors == []
    assert ids(root) == ["moved", "other", "stays"]
    with IndexDir(root).open().searcher() as s:
        assert s.document(id="moved")["source"] == str(src.resolve() / new)
    assert index([src], root).changed == 0 and ids(root) == ["moved", "other", "stays"]


def test_damaged_newest_toc_falls_back_to_the_previous_commit(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    (articles_dir / "late.jsonl").write_text(json.dumps({"id": "late", "body": "Late news."}) + "\n")
    index([articles_dir], root)
    gen = IndexDir(root).current()
    newest = max(gen.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.split("_")[-1]))
    newest.write_bytes(newest.read_bytes()[:40])  # a power cut mid-write
    assert len(ids(root)) == 8  # the previous commit answers
    summary = index([articles_dir], root)
    assert any("damaged" in r for r in summary.repaired)
    assert "late" in ids(root) and len(ids(root)) == 9


def test_articles_of_a_file_deleted_after_a_lost_manifest_are_removed(articles_dir, tmp_path):
    root = tmp_path / "ix"
    index([articles_dir], root)
    (IndexDir(root).current() / "manifest.json").unlink()  # killed between commit and manifest
    (articles_dir / "london-daily-thames-barrier.txt").unlink()
    summary = index([articles_dir], root)
    assert summary.deleted == 1
    assert "london-daily-thames-barrier.txt" not in ids(root) and len(ids(root)) == 7


def test_a_stop_commits_what_is_parsed_and_leaves_the_rest_for_the_next_run(tmp_path):
    bbc = corpus("bbc-news", "tech")
    root = tmp_path / "ix"
    asked = iter(range(1, 1000))
    first = update_index([bbc], IndexDir(root), with_entities=False, workers=1, batch_articles=50,
                         should_stop=lambda: next(asked) >= 60)
    assert first.stopped and (first.added, first.articles) == (60, 60) and len(ids(root)) == 60
    second = update_index([bbc], IndexDir(root), with_entities=False, workers=1)
    assert len(ids(root)) == 401
    assert (second.added, second.updated, second.unchanged) == (401 - 60, 0, 60)
