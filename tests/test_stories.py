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
