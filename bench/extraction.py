"""Parser accuracy on real pages: body token F1 on html-aeb, headline/date/byline exact match
on html-readability. Prints a table; exits 1 if a target is missed.

    python bench/extraction.py [--corpus ../shared/corpus]
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import sys
import time
from pathlib import Path

from indexer.decode import read_bytes
from indexer.htmlpage import parse_html, parse_iso_datetime

_TOKEN = re.compile(r"\w+")


def token_f1(got: str, gold: str) -> tuple[float, float, float]:
    g = collections.Counter(_TOKEN.findall(got.lower()))
    t = collections.Counter(_TOKEN.findall(gold.lower()))
    common = sum((g & t).values())
    p = common / max(1, sum(g.values()))
    r = common / max(1, sum(t.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _norm(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip().casefold()


def aeb(root: Path) -> dict:
    truth = json.loads((root / "ground-truth.json").read_text())
    ps, rs, fs, times, worst = [], [], [], [], []
    for key, item in truth.items():
        data = read_bytes(root / "html" / f"{key}.html.gz")
        t0 = time.perf_counter()
        try:
            body = parse_html(data, url=item.get("url")).body
        except Exception:
            body = ""
        times.append(time.perf_counter() - t0)
        p, r, f = token_f1(body, item["articleBody"])
        ps.append(p), rs.append(r), fs.append(f)
        worst.append((f, key))
    n = len(fs)
    return {"pages": n, "precision": sum(ps) / n, "recall": sum(rs) / n, "f1": sum(fs) / n,
            "median_ms": sorted(times)[n // 2] * 1000, "worst": sorted(worst)[:5]}


def readability(root: Path) -> dict:
    head_ok = head_n = date_ok = date_n = by_ok = by_n = 0
    misses = []
    for page in sorted((root / "test-pages").iterdir()):
        meta = json.loads((page / "expected-metadata.json").read_text())
        try:
            art = parse_html((page / "source.html").read_bytes())
        except Exception:
            art = None
        if meta.get("title"):
            head_n += 1
            if art and _norm(art.headline) == _norm(meta["title"]):
                head_ok += 1
            else:
                misses.append((page.name, meta["title"], art.headline if art else None))
        if meta.get("publishedTime"):
            date_n += 1
            gold = parse_iso_datetime(meta["publishedTime"])
            if art and art.date and gold and art.date.date() == gold[0].date():
                date_ok += 1
        if meta.get("byline"):
            by_n += 1
            if art and art.byline and _norm(art.byline) == _norm(meta["byline"]):
                by_ok += 1
    return {"headline": head_ok / head_n, "headline_n": head_n, "date": date_ok / date_n,
            "date_n": date_n, "byline": by_ok / by_n, "byline_n": by_n, "misses": misses}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()
    a = aeb(args.corpus / "html-aeb")
    r = readability(args.corpus / "html-readability")
    rows = [
        ("html-aeb body token precision", a["precision"], None, a["pages"]),
        ("html-aeb body token recall", a["recall"], None, a["pages"]),
        ("html-aeb body token F1", a["f1"], 0.95, a["pages"]),
        ("html-readability headline exact", r["headline"], 0.90, r["headline_n"]),
        ("html-readability date exact day", r["date"], 0.85, r["date_n"]),
        ("html-readability byline exact", r["byline"], None, r["byline_n"]),
    ]
    print(f"{'metric':36} {'value':>7} {'target':>7} {'pages':>6}")
    ok = True
    for name, value, target, n in rows:
        print(f"{name:36} {value:7.3f} {('≥%.2f' % target) if target else '':>7} {n:6d}")
        ok &= target is None or value >= target
    print(f"median parse time per html-aeb page: {a['median_ms']:.0f} ms")
    if args.show_misses:
        for m in r["misses"]:
            print("MISS", m)
        print("worst aeb", a["worst"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
