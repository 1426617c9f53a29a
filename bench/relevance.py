"""Ranking quality on the classic test collections, through the real indexer and searcher.

Each collection in ../shared/corpus/ranking is converted to JSON Lines, indexed by
indexer.writing.update_index (entities off: these are abstracts, not news) and every judged
query is run through searcher.Archive.search with match=any, as a reader's plain words
(query syntax characters removed). Prints MAP, nDCG@10 and P@10 beside plain BM25.

    python -m bench.relevance [--corpus ../shared/corpus] [--depth 1000] [--no-recency]
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
import tempfile
import time
from pathlib import Path

from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, SearchRequest

from .collections import BASELINE_MAP, NAMES, load

PER_PAGE = 100
# CISI's longest query has 2,038 characters and 334 words; the faces cap at 500 / 100.
BENCH_MAX_CHARS = 5000
BENCH_MAX_WORDS = 1000


def plain_words(text: str) -> str:
    """A reader's words: no query syntax, operators lower-cased."""
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(w.lower() if w in ("AND", "OR", "NOT", "TO") else w for w in text.split())


def ranking(archive: Archive, query: str, depth: int, recency: bool) -> list[str]:
    ids: list[str] = []
    for page in range(1, depth // PER_PAGE + 1):
        result = archive.search(SearchRequest(query=query, match="any", per_page=PER_PAGE, page=page,
                                              recency=recency, max_chars=BENCH_MAX_CHARS,
                                              max_words=BENCH_MAX_WORDS))
        ids.extend(h.id for h in result.hits)
        if len(result.hits) < PER_PAGE:
            break
    return ids


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked, 1):
        if doc in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 1) for i, doc in enumerate(ranked[:k], 1) if doc in relevant)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


def evaluate(root: Path, name: str, depth: int, recency: bool, workdir: Path) -> dict:
    coll = load(root, name)
    src = workdir / name / "articles"
    src.mkdir(parents=True)
    with open(src / f"{name}.jsonl", "w") as fh:
        for doc in coll.docs:
            fh.write(json.dumps(doc) + "\n")
    index = workdir / name / "index"
    t0 = time.perf_counter()
    update_index([src], IndexDir(index), with_entities=False)
    index_s = time.perf_counter() - t0
    archive = Archive(index)
    aps, ndcgs, p10s = [], [], []
    t0 = time.perf_counter()
    judged = [q for q in coll.queries if coll.relevant.get(q)]
    for qid in judged:
        ranked = ranking(archive, plain_words(coll.queries[qid]), depth, recency)
        relevant = coll.relevant[qid]
        aps.append(average_precision(ranked, relevant))
        ndcgs.append(ndcg_at(ranked, relevant))
        p10s.append(sum(1 for d in ranked[:10] if d in relevant) / 10)
    n = len(judged)
    return {"name": name, "docs": len(coll.docs), "queries": n, "map": sum(aps) / n,
            "ndcg10": sum(ndcgs) / n, "p10": sum(p10s) / n, "baseline": BASELINE_MAP[name],
            "index_s": index_s, "query_ms": (time.perf_counter() - t0) / n * 1000}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    ap.add_argument("--depth", type=int, default=1000, help="ranks evaluated per query")
    ap.add_argument("--no-recency", action="store_true", help="rank without the recency boost")
    ap.add_argument("--only", choices=NAMES, action="append")
    args = ap.parse_args()
    root = args.corpus / "ranking"
    if not root.exists():
        print(f"{root} not found", file=sys.stderr)
        return 2
    print(f"{'collection':10} {'docs':>6} {'queries':>7} {'MAP':>6} {'BM25 MAP':>8} {'Δ':>7} "
          f"{'nDCG@10':>7} {'P@10':>6} {'index s':>7} {'ms/query':>8}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or NAMES:
            r = evaluate(root, name, args.depth, not args.no_recency, Path(tmp))
            ok &= r["map"] >= r["baseline"]
            print(f"{r['name']:10} {r['docs']:6d} {r['queries']:7d} {r['map']:6.3f} {r['baseline']:8.3f} "
                  f"{r['map'] - r['baseline']:+7.3f} {r['ndcg10']:7.3f} {r['p10']:6.3f} "
                  f"{r['index_s']:7.1f} {r['query_ms'] / (args.depth // PER_PAGE or 1):8.1f}", flush=True)
    print("MAP ≥ plain BM25 on every collection" if ok else "MAP below plain BM25 somewhere")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
