"""Ranking quality on the classic test collections, through the real indexer and searcher.

Each collection in ../shared/corpus/ranking is converted to JSON Lines and indexed twice by
indexer.writing.update_index: with entities (as a site indexes) and without. Every judged
query is run through searcher.Archive.search with match=any exactly as the collection gives
it (raw: its hyphens, capitals, parentheses and all), on both indexes, each hit followed by
the story mates the page lists under it (MED's abstracts 165 and 183 are one text, one of
them with "stody" and line-end hyphens), and once more with
its syntax characters removed (cleaned). Beside them, plain BM25 (k1 1.2, b 0.75, the same
idf) over the same tokens: the schema's text analyzer on headline + body and on the raw
query, computed here in the run. Prints MAP, nDCG@10 and P@10.

Targets: raw MAP (entities on) ≥ plain BM25 and entities on ≥ entities off, everywhere.

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
from collections import Counter, defaultdict
from pathlib import Path

from indexer.schema import text_analyzer
from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, QueryError, SearchRequest
from searcher.scoring import BM25_B, BM25_K1

from .collections import NAMES, Collection, load

PER_PAGE = 100
# CISI's longest query has 2,038 characters and 334 words; the faces cap at 500 / 100.
BENCH_MAX_CHARS = 5000
BENCH_MAX_WORDS = 1000
# Articles per JSON Lines file: several files let the indexer's workers share the NER.
FILE_ARTICLES = 1000


def plain_words(text: str) -> str:
    """The cleaned column: no query syntax, operators lower-cased."""
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(w.lower() if w in ("AND", "OR", "NOT", "TO") else w for w in text.split())


def ranking(archive: Archive, query: str, depth: int, recency: bool) -> list[str]:
    """The ranked ids as a reader gets them: each hit, then the near-duplicates listed under
    it ("1 similar article"), which its story stands for; none for a query the searcher
    refuses (it counts as a miss)."""
    ids: list[str] = []
    for page in range(1, depth // PER_PAGE + 1):
        try:
            result = archive.search(SearchRequest(query=query, match="any", per_page=PER_PAGE, page=page,
                                                  recency=recency, max_chars=BENCH_MAX_CHARS,
                                                  max_words=BENCH_MAX_WORDS))
        except QueryError as exc:
            print(f"refused: {query[:60]!r}: {exc}", file=sys.stderr)
            return []
        ids.extend(doc for h in result.hits for doc in (h.id, *(s.id for s in h.similar)))
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


class PlainBM25:
    """Textbook BM25 over one bag of tokens per document (headline + body), no fields,
    boosts or recency: what the searcher must at least match."""

    def __init__(self, docs: list[dict]):
        analyzer = text_analyzer()
        self.postings: dict[str, list[tuple[str, int]]] = defaultdict(list)
        self.lengths: dict[str, int] = {}
        self.order = {doc["id"]: n for n, doc in enumerate(docs)}
        for doc in docs:
            tokens = [t.text for t in analyzer(f"{doc.get('headline', '')}\n{doc['body']}")]
            self.lengths[doc["id"]] = len(tokens)
            for term, tf in Counter(tokens).items():
                self.postings[term].append((doc["id"], tf))
        self.average = sum(self.lengths.values()) / max(1, len(self.lengths))
        self.analyzer = analyzer

    def ranking(self, text: str, depth: int) -> list[str]:
        n_docs = len(self.lengths)
        scores: Counter[str] = Counter()
        for term in {t.text for t in self.analyzer(text)}:
            postings = self.postings.get(term, [])
            idf = math.log(1.0 + (n_docs - len(postings) + 0.5) / (len(postings) + 0.5))
            for doc, tf in postings:
                norm = BM25_K1 * (1 - BM25_B + BM25_B * self.lengths[doc] / self.average)
                scores[doc] += idf * tf * (BM25_K1 + 1) / (tf + norm)
        return [doc for doc, _ in sorted(scores.items(), key=lambda kv: (-kv[1], self.order[kv[0]]))[:depth]]


def _index(coll: Collection, workdir: Path, with_entities: bool) -> tuple[Archive, float]:
    name = f"{coll.name}-{'entities' if with_entities else 'plain'}"
    src = workdir / name / "articles"
    src.mkdir(parents=True)
    for start in range(0, len(coll.docs), FILE_ARTICLES):
        with open(src / f"{coll.name}-{start // FILE_ARTICLES:03d}.jsonl", "w") as fh:
            for doc in coll.docs[start:start + FILE_ARTICLES]:
                fh.write(json.dumps(doc) + "\n")
    t0 = time.perf_counter()
    summary = update_index([src], IndexDir(workdir / name / "index"), with_entities=with_entities)
    if summary.failed:
        raise SystemExit(f"{name}: {summary.failed} files failed to index")
    return Archive(workdir / name / "index"), time.perf_counter() - t0


def _scores(rankings: dict[str, list[str]], coll: Collection) -> dict[str, float]:
    n = len(rankings)
    return {
        "map": sum(average_precision(r, coll.relevant[q]) for q, r in rankings.items()) / n,
        "ndcg10": sum(ndcg_at(r, coll.relevant[q]) for q, r in rankings.items()) / n,
        "p10": sum(sum(1 for d in r[:10] if d in coll.relevant[q]) / 10 for q, r in rankings.items()) / n,
    }


def evaluate(root: Path, name: str, depth: int, recency: bool, workdir: Path) -> dict:
    coll = load(root, name)
    judged = [q for q in coll.queries if coll.relevant.get(q)]
    with_entities, entities_s = _index(coll, workdir, with_entities=True)
    without, plain_s = _index(coll, workdir, with_entities=False)
    t0 = time.perf_counter()
    raw_on = {q: ranking(with_entities, coll.queries[q], depth, recency) for q in judged}
    query_ms = (time.perf_counter() - t0) / len(judged) * 1000
    raw_off = {q: ranking(without, coll.queries[q], depth, recency) for q in judged}
    cleaned_on = {q: ranking(with_entities, plain_words(coll.queries[q]), depth, recency) for q in judged}
    bm25 = PlainBM25(coll.docs)
    plain = {q: bm25.ranking(coll.queries[q], depth) for q in judged}
    return {"name": name, "docs": len(coll.docs), "queries": len(judged),
            "on": _scores(raw_on, coll), "off": _scores(raw_off, coll),
            "cleaned": _scores(cleaned_on, coll), "bm25": _scores(plain, coll),
            "index_s": entities_s, "plain_index_s": plain_s, "query_ms": query_ms}


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
    print("MAP of the raw queries with entities on / off, the cleaned queries (entities on) and plain "
          "BM25 on the raw queries' tokens; nDCG@10 and P@10 with entities on")
    print(f"{'collection':10} {'docs':>6} {'queries':>7} {'MAP on':>6} {'off':>6} {'clean':>6} "
          f"{'BM25':>6} {'on-BM25':>7} {'on-off':>7} {'nDCG@10':>7} {'P@10':>6} {'BM25 P@10':>9} "
          f"{'index s':>7} {'ms/query':>8}")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or NAMES:
            r = evaluate(root, name, args.depth, not args.no_recency, Path(tmp))
            on, off, bm25 = r["on"]["map"], r["off"]["map"], r["bm25"]["map"]
            ok &= on >= bm25 and on >= off
            print(f"{r['name']:10} {r['docs']:6d} {r['queries']:7d} {on:6.3f} {off:6.3f} "
                  f"{r['cleaned']['map']:6.3f} {bm25:6.3f} {on - bm25:+7.3f} {on - off:+7.3f} "
                  f"{r['on']['ndcg10']:7.3f} {r['on']['p10']:6.3f} {r['bm25']['p10']:9.3f} "
                  f"{r['index_s']:7.1f} {r['query_ms'] / (args.depth // PER_PAGE or 1):8.1f}", flush=True)
    print("raw MAP with entities ≥ plain BM25 and ≥ entities off on every collection" if ok
          else "raw MAP with entities below plain BM25 or below entities off somewhere")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
