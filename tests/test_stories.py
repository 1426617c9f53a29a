"""Story keys: exact and near-duplicate bodies share a MinHash band, different stories none."""
from __future__ import annotations

from indexer.stories import BANDS, story_bands
from searcher.stories import band_numbers, leaders, stories_grown, stories_of, story_of

from .conftest import corpus


def _body(name: str) -> str:
    return corpus("bbc-news", *name.split("/")).read_text(encoding="latin-1").split("\n", 1)[1]


def _bands(body: str) -> set[str]:
    return set(filter(None, story_bands(body).split(",")))


def test_twins_share_bands_and_other_stories_do_not():
    body = _body("politics/077.txt")
    assert len(_bands(body)) == BANDS and _bands(body) == _bands("  " + body.upper() + "\n")
    updated = body.replace("at 1230 GMT", "at about 1230 GMT")
    assert _bands(body) & _bands(updated)
    assert _bands(_body("sport/012.txt")) == _bands(_body("sport/020.txt"))  # the set's exact twins
    # 0.66 of their shingles shared: two versions of a Budget-date story, not twins
    assert not _bands(_body("politics/077.txt")) & _bands(_body("politics/354.txt"))
    others = [_body(f"sport/{n:03d}.txt") for n in range(1, 40) if n != 20]
    assert not any(_bands(a) & _bands(b) for i, a in enumerate(others) for b in others[i + 1:]
                   if a.strip() != b.strip())
    assert story_bands("Too short to tell apart.") == ""


def test_stories_join_through_shared_keys_and_list_the_first_ranked():
    story = story_of([("a", "b"), ("c",), ("b", "d"), (), ("d",)])
    assert list(story) == [0, 1, 0, 3, 0]
    assert leaders([4, 1, 0, 3, 2], story) == [4, 1, 3]


def _union_find(bands_by_doc):
    """The reference: a union-find over the keys, each document joined to the first with a key."""
    parent = list(range(len(bands_by_doc)))

    def root(doc):
        while parent[doc] != doc:
            doc = parent[doc]
        return doc

    first_with = {}
    for doc, bands in enumerate(bands_by_doc):
        for key in bands:
            a, b = root(doc), root(first_with.setdefault(key, doc))
            parent[max(a, b)] = min(a, b)
    return [root(doc) for doc in range(len(parent))]


def test_stories_in_arrays_are_the_union_finds():
    """story_of (array operations) joins as a union-find does: on random documents with
    random hex keys (chains across many documents included) and on real BBC band keys."""
    import random

    rng = random.Random(2)
    for _ in range(300):
        keys = [format(k, "x") for k in range(rng.randrange(1, 80))]
        bands = [tuple(rng.sample(keys, min(len(keys), rng.randrange(0, 4)))) for _ in range(rng.randrange(60))]
        assert list(story_of(bands)) == _union_find(bands), bands
    chain = [(format(i, "x"), format(i + 1, "x")) for i in range(200)][::-1]  # joined only end to end
    assert list(story_of(chain)) == [0] * 200
    bodies = [_body(f"sport/{n:03d}.txt") for n in range(1, 120)]
    bands = [tuple(filter(None, story_bands(b).split(","))) for b in bodies]
    assert list(story_of(bands)) == _union_find(bands)
    assert len(set(story_of(bands))) < len(bands)  # the set's twins are joined


def test_stories_grown_from_the_commit_before_are_the_stories_of_every_pair():
    """stories_grown (a commit that only adds segments) joins as stories_of over every
    pair does: random segments of random keys, cut into earlier and later ones anywhere."""
    import random

    import numpy as np

    rng = random.Random(4)
    for _ in range(500):
        keys = [format(k, "x") for k in range(rng.randrange(1, 60))]
        segments = [[tuple(rng.sample(keys, min(len(keys), rng.randrange(0, 4)))) for _ in range(rng.randrange(30))]
                    for _ in range(rng.randrange(1, 5))]
        offsets = [sum(map(len, segments[:i])) for i in range(len(segments))]
        parts = [band_numbers(s) for s in segments]
        count = sum(map(len, segments))

        def pairs(chosen):
            empty = np.zeros(0, dtype=np.int64)
            return (np.concatenate([d + offsets[i] for i, (d, _) in chosen]) if chosen else empty,
                    np.concatenate([k for _, (_, k) in chosen]) if chosen else empty)

        whole = stories_of(count, *pairs(list(enumerate(parts))))
        cut = rng.randrange(len(segments) + 1)
        before = sum(map(len, segments[:cut]))
        earlier = np.frombuffer(stories_of(before, *pairs(list(enumerate(parts))[:cut])), dtype=np.int64)
        grown = stories_grown(earlier, [(d, k, offsets[i]) for i, (d, k) in enumerate(parts[:cut])],
                              *pairs(list(enumerate(parts))[cut:]), count)
        assert grown == whole, (segments, cut)


def test_a_commit_that_adds_articles_grows_the_stories_before_it(tmp_path, monkeypatch):
    """After a commit that adds a twin of an indexed article and others, the archive's
    stories are grown from the commit before (not every pair joined again) and are the
    stories built whole: the twin joins its original's story."""
    import shutil

    from indexer.store import IndexDir
    from indexer.writing import update_index
    from searcher import Archive
    from searcher.tables import DocTables

    src = tmp_path / "src"
    src.mkdir()
    for n in range(1, 60):
        shutil.copy(corpus("bbc-news", "sport", f"{n:03d}.txt"), src / f"{n:03d}.txt")
    root = tmp_path / "ix"
    update_index([src], IndexDir(root), with_entities=False)
    archive = Archive(root)
    archive._warm_newest()
    (src / "twin.txt").write_bytes(corpus("bbc-news", "sport", "012.txt").read_bytes())
    for n in range(60, 70):
        shutil.copy(corpus("bbc-news", "sport", f"{n:03d}.txt"), src / f"{n:03d}.txt")
    assert update_index([src], IndexDir(root), with_entities=False).added == 11
    grown = []
    monkeypatch.setattr("searcher.tables.stories_grown", lambda *a: grown.append(1) or stories_grown(*a))
    with archive.view() as view:
        story = view.tables.stories(view.reader)
        assert grown and story == DocTables(view.tables._segments).stories(view.reader)
        number = {view.searcher.stored_fields(d)["id"]: d for d in range(view.reader.doc_count_all())}
        assert story[number["twin.txt"]] == story[number["012.txt"]] == story[number["020.txt"]]
