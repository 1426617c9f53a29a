"""Hostile queries against a 20k-article index: each must answer within 1 s or be refused.

Indexes the Reuters-21578 wires (20,841 articles, entities from their own tags) through the
real indexer, then runs every query through searcher.Archive.search, timing it and measuring
the Python memory it allocated at its peak (tracemalloc, in a second pass).

    python -m bench.hostile [--index DIR]   (DIR is built when missing)
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from indexer.store import IndexDir
from indexer.writing import update_index
from searcher import Archive, QueryError, SearchRequest

from .reuters import articles, write_jsonl_files

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "reuters21578"
LIMIT_SECONDS = 1.0

QUERIES = [
    ("bare *", "*"),
    ("a*", "a*"),
    ("*a*", "*a*"),
    ("?*", "?*"),
    ("co* (short prefix)", "co*"),
    ("10,000 characters", "oil " * 2500),
    ("2,000 terms", " ".join(f"w{i}" for i in range(2000))),
    ("120 terms in 479 chars", " ".join(["oil"] * 120)),
    ("500 nested parentheses", "(" * 500 + "oil" + ")" * 500),
    ("150 nested parentheses", "(" * 150 + "oil" + ")" * 150),
    ("20 nested parentheses", "(" * 20 + "oil" + ")" * 20),
    ("body:[a TO z]", "body:[a TO z]"),
    ("fuzzy oil~5", "oil~5"),
    ("fuzzy petroleum~2", "petroleum~2"),
    ("NUL bytes", "oil\x00\x00 price\x00"),
    ("odd Unicode", "ｏｉｌ \u202e\u200b price 🛢️ \udcff"),
    ("unknown field", "nosuchfield:oil"),
    ("unbalanced quote", '"crude oil'),
    ("date range", "oil date:[1987-03-01 TO 1987-03-31]"),
    ("all words, no hit → any", "oil xylophone"),
    ("common words, any", "the company said it would"),
]


def build(index: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_jsonl_files(articles(CORPUS), Path(tmp), per_file=1000)
        update_index([Path(tmp)], IndexDir(index), with_entities=False)


def run(archive: Archive, text: str) -> tuple[str, float]:
    t0 = time.perf_counter()
    try:
        result = archive.search(SearchRequest(query=text))
        outcome = f"{result.total} hits" + (" (partial)" if result.partial else "")
    except QueryError as exc:
        outcome = f"refused: {exc}"
    return outcome, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("bench/out/reuters-index"))
    args = ap.parse_args()
    if not (args.index / "current").exists():
        print(f"building {args.index} from {CORPUS} …", flush=True)
        build(args.index)
    archive = Archive(args.index)
    archive.search(SearchRequest(query="warm up"))
    print(f"{'query':28} {'ms':>8} {'peak MB':>8}  outcome")
    ok = True
    for name, text in QUERIES:
        outcome, seconds = run(archive, text)
        tracemalloc.start()
        run(archive, text)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        good = seconds <= LIMIT_SECONDS or outcome.startswith("refused")
        ok &= good
        print(f"{name:28} {seconds * 1000:8.1f} {peak:8.1f}  {outcome[:70]}{'' if good else '  ← over 1 s'}")
    print("every query answered within 1 s or was refused" if ok else "SOME QUERIES TOOK OVER 1 s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
