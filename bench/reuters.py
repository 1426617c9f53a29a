"""Reuters-21578 (SGML) → article dicts in newsdesk's JSONL export shape, for benchmarks.

Also replicates the set to any size with distinct ids and dates shifted by whole years, so
10k, 100k and 1M document runs index real text (see `replicate`)."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Iterator

_DOC = re.compile(r"<REUTERS[^>]*NEWID=\"(\d+)\"[^>]*>(.*?)</REUTERS>", re.S)


def _tag(doc: str, name: str) -> str:
    m = re.search(rf"<{name}>(.*?)</{name}>", doc, re.S)
    return html.unescape(m.group(1)).strip() if m else ""


def _list(doc: str, name: str) -> list[str]:
    return [html.unescape(d) for d in re.findall(r"<D>(.*?)</D>", _tag(doc, name))]


def _clean(text: str) -> str:
    text = re.sub(r"[\x00-\x08\x0b-\x1f]", " ", text)
    text = re.sub(r"\s*Reuter\s*$", "", text.strip())
    return re.sub(r"[ \t]+", " ", text)


def articles(root: Path) -> Iterator[dict]:
    for path in sorted(root.glob("reut2-*.sgm")):
        for newid, doc in _DOC.findall(path.read_bytes().decode("latin-1")):
            body = _clean(_tag(doc, "BODY"))
            title = _clean(_tag(doc, "TITLE")).title()
            if not body and not title:
                continue
            stamp = re.match(r"\s*(\d+-\w+-\d{4})\s+(\d+:\d+:\d+)", _tag(doc, "DATE"))
            try:
                when = dt.datetime.strptime(" ".join(stamp.groups()), "%d-%b-%Y %H:%M:%S")
            except ValueError:  # the wire has times like 605:12:19; keep the day
                when = dt.datetime.strptime(stamp.group(1), "%d-%b-%Y")
            yield {
                "id": f"reuters-{newid}",
                "url": f"https://archive.example/reuters/{newid}",
                "headline": title,
                "date": when.isoformat(),
                "body": body or title,
                "section": (_list(doc, "TOPICS") or ["general"])[0],
                "entities": {"people": [p.title() for p in _list(doc, "PEOPLE")],
                             "organisations": [o.upper() for o in _list(doc, "ORGS")],
                             "places": [p.replace("-", " ").title() for p in _list(doc, "PLACES")]},
            }


def replicate(source: list[dict], count: int) -> Iterator[dict]:
    """`count` articles: copy k of the set gets ids suffixed -k and dates k years later."""
    for i in range(count):
        copy, original = divmod(i, len(source))
        article = dict(source[original])
        if copy:
            article["id"] = f"{article['id']}-{copy}"
            if article.get("url"):
                article["url"] = f"{article['url']}-{copy}"
            when = dt.datetime.fromisoformat(article["date"])
            article["date"] = when.replace(year=when.year + copy).isoformat()
        yield article


def write_jsonl_files(items: Iterator[dict], folder: Path, per_file: int) -> int:
    """Split articles over export files of `per_file` lines each; returns the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    files, lines, fh = 0, 0, None
    for article in items:
        if fh is None or lines == per_file:
            if fh:
                fh.close()
            fh = open(folder / f"export-{files:05d}.jsonl", "w")
            files, lines = files + 1, 0
        fh.write(json.dumps(article) + "\n")
        lines += 1
    if fh:
        fh.close()
    return files
