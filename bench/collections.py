"""Readers for the classic test collections in ../shared/corpus/ranking (SMART and NPL formats)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july",
                                        "august", "september", "october", "november", "december"], 1)}


@dataclass
class Collection:
    name: str
    docs: list[dict]  # JSONL-ready articles
    queries: dict[str, str]
    relevant: dict[str, set[str]] = field(default_factory=dict)


def _smart(path: Path) -> list[dict[str, str]]:
    """.I id / .X field markers → [{"I": id, "T": ..., "W": ...}]."""
    records: list[dict[str, str]] = []
    current: dict[str, list[str]] | None = None
    key = None
    for line in path.read_text(encoding="latin-1").splitlines():
        m = re.match(r"^\.([A-Z])(?:\s+(\S+))?\s*$", line)
        if m:
            if m.group(1) == "I":
                current = {"I": [m.group(2)]}
                records.append(current)  # type: ignore[arg-type]
                key = None
            else:
                key = m.group(1)
                current.setdefault(key, [])
            continue
        if current is not None and key:
            current[key].append(line)
    return [{k: "\n".join(v).strip() for k, v in r.items()} for r in records]  # type: ignore[union-attr]


def _npl_blocks(path: Path) -> list[tuple[str, str]]:
    blocks = []
    for block in re.split(r"^\s*/\s*$", path.read_text(encoding="latin-1"), flags=re.M):
        lines = block.strip().splitlines()
        if lines:
            blocks.append((lines[0].strip(), " ".join(lines[1:]).strip()))
    return blocks


def _cacm_date(text: str) -> str | None:
    m = re.search(r"([A-Za-z]+),?\s+(\d{4})", text or "")
    if m and m.group(1).lower() in _MONTHS:
        return f"{m.group(2)}-{_MONTHS[m.group(1).lower()]:02d}-01"
    return None


def _smart_docs(records: list[dict[str, str]], dated: bool = False) -> list[dict]:
    docs = []
    for r in records:
        title = " ".join(r.get("T", "").split())
        # A record with only a title is an article whose whole text is that line.
        doc = {"id": r["I"], "headline": title if r.get("W") else "", "body": r.get("W") or title or "(empty)"}
        if r.get("A"):
            doc["byline"] = "; ".join(a.strip() for a in r["A"].splitlines() if a.strip())
        if dated and _cacm_date(r.get("B", "")):
            doc["date"] = _cacm_date(r.get("B", ""))
        docs.append(doc)
    return docs


def _pairs(path: Path, qcol: int, dcol: int, keep=lambda parts: True) -> dict[str, set[str]]:
    rel: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) > max(qcol, dcol) and keep(parts):
            rel.setdefault(str(int(parts[qcol])), set()).add(str(int(parts[dcol])))
    return rel


def load(root: Path, name: str) -> Collection:
    d = root / name
    if name == "cacm":
        queries = {r["I"]: r.get("W", "") for r in _smart(d / "query.text") if r.get("W")}
        return Collection(name, _smart_docs(_smart(d / "cacm.all"), dated=True), queries,
                          _pairs(d / "qrels.text", 0, 1))
    if name == "cisi":
        queries = {r["I"]: r.get("W", "") for r in _smart(d / "CISI.QRY") if r.get("W")}
        return Collection(name, _smart_docs(_smart(d / "CISI.ALL")), queries, _pairs(d / "CISI.REL", 0, 1))
    if name == "cran":
        # Query ids in cran.qry are not 1..225; cranqrel numbers them by order.
        queries = {str(i): r.get("W", "") for i, r in enumerate(_smart(d / "cran.qry"), 1)}
        return Collection(name, _smart_docs(_smart(d / "cran.all.1400")), queries,
                          _pairs(d / "cranqrel", 0, 1, keep=lambda p: p[2] != "-1"))
    if name == "med":
        queries = {r["I"]: r.get("W", "") for r in _smart(d / "MED.QRY")}
        return Collection(name, _smart_docs(_smart(d / "MED.ALL")), queries, _pairs(d / "MED.REL", 0, 2))
    if name == "npl":
        docs = [{"id": i, "headline": "", "body": text} for i, text in _npl_blocks(d / "doc-text")]
        queries = dict(_npl_blocks(d / "query-text"))
        relevant = {q: set(text.split()) for q, text in _npl_blocks(d / "rlv-ass")}
        relevant = {q: {str(int(x)) for x in ids} for q, ids in relevant.items()}
        return Collection(name, docs, queries, relevant)
    raise ValueError(name)


NAMES = ("cacm", "cisi", "cran", "med", "npl")
