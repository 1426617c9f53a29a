"""Duplicate detection: how well story keys (indexer/stories.py, joined by searcher/stories.py)
find the same story told twice, on real sets, every figure measured in this run.

The truth per set, from the bodies alone: exact twins (the same words, case and spacing
aside) and near twins (word 5-shingle Jaccard similarity >= NEAR, computed exactly for every
pair that shares a rare shingle). A predicted pair is two articles given one story.
  bbc-news     2,225 BBC articles read through newsdesk's parser (the set has exact twins)
  reuters      the first --reuters articles of Reuters-21578 (wires filed again, updated)

    python -m bench.duplicates [--corpus ../shared/corpus] [--reuters 5000] [--show 5]
"""
from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from indexer.parse import parse_file
from indexer.sources import Walk
from indexer.stories import MIN_WORDS, shingles, story_bands
from searcher.stories import story_of

from . import reuters

NEAR = 0.8
# A shingle in more articles than this is boilerplate; no pair of near twins needs it.
RARE = 30
_WORD = re.compile(r"\w+")


def bbc_bodies(root: Path) -> dict[str, str]:
    out = {}
    for src in Walk([root]):
        if src.path.suffix == ".txt" and src.path.name.lower() != "readme.txt":
            for article in parse_file(src.path, src.root, with_entities=False).articles:
                out[article.id] = article.body
    return out


def reuters_bodies(root: Path, limit: int) -> dict[str, str]:
    items = itertools.islice((a for a in reuters.articles(root) if a["body"].strip()), limit)
    return {a["id"]: a["body"] for a in items}


def truth(bodies: dict[str, str]) -> tuple[set[tuple[str, str]], dict[tuple[str, str], float]]:
    """Exact-twin pairs, and the Jaccard similarity of every pair sharing a rare shingle."""
    by_text: dict[str, list[str]] = defaultdict(list)
    for key, body in bodies.items():
        if len(_WORD.findall(body)) >= MIN_WORDS:
            by_text[" ".join(_WORD.findall(body.casefold()))].append(key)
    exact = {tuple(sorted(p)) for ids in by_text.values() for p in itertools.combinations(ids, 2)}
    sets = {k: shingles(b) for k, b in bodies.items() if len(_WORD.findall(b)) >= MIN_WORDS}
    holders: dict[bytes, list[str]] = defaultdict(list)
    for key, s in sets.items():
        for sh in s:
            holders[sh].append(key)
    candidates: set[tuple[str, str]] = set()
    for ids in holders.values():
        if 1 < len(ids) <= RARE:
            candidates.update(tuple(sorted(p)) for p in itertools.combinations(ids, 2))
    similarity = {p: len(sets[p[0]] & sets[p[1]]) / len(sets[p[0]] | sets[p[1]]) for p in candidates}
    return exact, similarity


def predicted(bodies: dict[str, str]) -> tuple[set[tuple[str, str]], float]:
    keys = list(bodies)
    started = time.perf_counter()
    bands = [tuple(b for b in story_bands(bodies[k]).split(",") if b) for k in keys]
    per_article = (time.perf_counter() - started) / max(1, len(keys))
    story = story_of(bands)
    groups: dict[int, list[str]] = defaultdict(list)
    for doc, key in enumerate(keys):
        groups[story[doc]].append(key)
    pairs = {tuple(sorted(p)) for ids in groups.values() for p in itertools.combinations(ids, 2)}
    return pairs, per_article


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    parser.add_argument("--reuters", type=int, default=5000, help="Reuters articles to read (0: none)")
    parser.add_argument("--show", type=int, default=3, help="misses and false merges to print per set")
    args = parser.parse_args(argv)
    sets = {"bbc-news": lambda: bbc_bodies(args.corpus / "bbc-news")}
    if args.reuters:
        sets["reuters"] = lambda: reuters_bodies(args.corpus / "reuters21578", args.reuters)
    print(f"{'set':10} {'articles':>8} {'exact':>6} {'near':>6} {'found':>6} "
          f"{'exact R':>8} {'near P':>7} {'near R':>7} {'P(any>=.5)':>10} {'ms/article':>10}")
    for name, load in sets.items():
        bodies = load()
        exact, similarity = truth(bodies)
        near = {p for p, s in similarity.items() if s >= NEAR} | exact
        found, per_article = predicted(bodies)
        loose = {p for p in found if p in exact or similarity.get(p, 0.0) >= 0.5}
        print(f"{name:10} {len(bodies):8} {len(exact):6} {len(near):6} {len(found):6} "
              f"{ratio(len(found & exact), len(exact)):>8} {ratio(len(found & near), len(found)):>7} "
              f"{ratio(len(found & near), len(near)):>7} {ratio(len(loose), len(found)):>10} "
              f"{per_article * 1000:10.2f}")
        for pair in sorted(near - found)[:args.show]:
            print(f"    missed      {pair[0]}  {pair[1]}  J={similarity.get(pair, 1.0):.2f}")
        for pair in sorted(found - near)[:args.show]:
            print(f"    false merge {pair[0]}  {pair[1]}  J={similarity.get(pair, 0.0):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
