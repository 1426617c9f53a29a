"""Stories: articles that share a MinHash band key (indexer/stories.py) are one story, and a
result list shows each story once, its best-ranked article standing for the others."""
from __future__ import annotations

from array import array
from typing import Iterable, Sequence

import numpy as np


def story_of(bands_by_doc: Sequence[tuple[str, ...]]) -> array:
    """Each document's story: the lowest document number of the articles joined to it by
    shared band keys (union-find over the keys; a document with none is its own story)."""
    parent = array("q", range(len(bands_by_doc)))

    def root(doc: int) -> int:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    first_with: dict[str, int] = {}
    for doc, bands in enumerate(bands_by_doc):
        for key in bands:
            other = first_with.setdefault(key, doc)
            if other != doc:
                a, b = root(doc), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return array("q", (root(doc) for doc in range(len(parent))))


def members(story: Sequence[int]) -> dict[int, list[int]]:
    """The articles of each story that has more than one, ascending, by story: what a hit's
    story mates and an article's twins are looked up in, instead of every document."""
    groups: dict[int, list[int]] = {}
    for doc, first in enumerate(story):
        if first != doc:
            groups.setdefault(first, [first]).append(doc)
    return groups


def firsts(docs: Sequence[int], story: array) -> np.ndarray:
    """The first article of each story in `docs` (the first given of its story), in no
    particular order, for counting every match: found in arrays (np.unique's first
    occurrences), 80 → 31 µs for 500 matches, 580 → 124 µs for 5,000 against a dict."""
    docs = np.asarray(docs, dtype=np.int64)
    _, first = np.unique(np.frombuffer(story, dtype=np.int64)[docs], return_index=True)
    return docs[first]


def leaders(ranked: Iterable[int], story: Sequence[int]) -> list[int]:
    """The first-ranked article of each story, in rank order."""
    seen: set[int] = set()
    out = []
    for doc in ranked:
        if story[doc] not in seen:
            seen.add(story[doc])
            out.append(doc)
    return out
