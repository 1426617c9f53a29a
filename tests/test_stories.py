"""Story keys: exact and near-duplicate bodies share a MinHash band, different stories none."""
from __future__ import annotations

from indexer.stories import BANDS, story_bands
from searcher.stories import leaders, story_of

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
