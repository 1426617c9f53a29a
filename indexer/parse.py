"""One file → its articles, whatever the format; the dispatcher every caller uses."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import entities as ner
from .article import Article
from .decode import decode_text, read_bytes
from .errors import ParseError, dropped_date
from .htmlpage import parse_html
from .jsonexport import LineError, parse_json, parse_jsonl
from .textpage import parse_text

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml")
TEXT_SUFFIXES = (".txt", ".txt.gz")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
JSON_SUFFIXES = (".json",)
ARTICLE_SUFFIXES = HTML_SUFFIXES + TEXT_SUFFIXES + JSONL_SUFFIXES + JSON_SUFFIXES
# Exports are read line by line, so they may be far larger than a page.
MAX_EXPORT_BYTES = 2 * 1024 ** 3


@dataclass
class ParsedFile:
    """What one file gave: its articles and the problems worth telling the user about."""

    articles: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def is_article_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(ARTICLE_SUFFIXES) and not name.startswith(".")


def printable(path: Path | str) -> str:
    """A path as text the index can hold: bytes of a file name that are not UTF-8 (Python
    keeps them as lone surrogates, which no UTF-8 field accepts) are written as `\\xff`."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def relative_id(path: Path, root: Path | None) -> str:
    if root is not None:
        for inner, outer in ((path, root), (path.resolve(), root.resolve())):
            try:
                return printable(inner.relative_to(outer).as_posix())
            except ValueError:
                pass
    return printable(path.as_posix())


def _section_from_folder(rel: str) -> str | None:
    """Archives sorted into section folders (business/001.txt) file the section in the path."""
    parts = rel.split("/")
    return parts[-2] if len(parts) >= 2 else None


def parse_file(path: Path, root: Path | None = None, with_entities: bool = True) -> ParsedFile:
    """Parse one file; raises ParseError when nothing in it is usable."""
    name = path.name.lower()
    rel = relative_id(path, root)
    shown = printable(path.as_posix())
    result = ParsedFile()
    if shown != path.as_posix():
        result.errors.append("file name is not valid UTF-8; indexed with those bytes written as \\xNN")
    if name.endswith(JSONL_SUFFIXES + JSON_SUFFIXES):
        text = decode_text(read_bytes(path, limit=MAX_EXPORT_BYTES))
        items = parse_jsonl(text, shown) if name.endswith(JSONL_SUFFIXES) else parse_json(text, shown)
        for item in items:
            if isinstance(item, LineError):
                result.errors.append(f"line {item.line}: {item.reason}")
            else:
                if item.id == shown or item.id.startswith(shown + "#"):
                    item.id = rel + item.id[len(shown):]
                    item.path_id = True
                item.path = rel
                result.articles.append(item)
        if not result.articles:
            raise ParseError("no usable article in the export" + (f" ({result.errors[0]})" if result.errors else ""))
        needs_ner = [a for a in result.articles if not a.entities.all()]
    elif name.endswith(HTML_SUFFIXES):
        data = read_bytes(path)
        page = parse_html(data)
        if page.unusable_date:
            result.errors.append(dropped_date(page.unusable_date))
        result.articles.append(Article(
            id=page.url or rel, path=rel, url=page.url, headline=page.headline, body=page.body,
            date=page.date, has_time=page.has_time, byline=page.byline, section=page.section,
            image=page.image, path_id=not page.url))
        needs_ner = result.articles
    elif name.endswith(TEXT_SUFFIXES):
        page = parse_text(decode_text(read_bytes(path)))
        result.articles.append(Article(
            id=rel, path=rel, headline=page.headline, body=page.body, date=page.date,
            section=_section_from_folder(rel), path_id=True))
        needs_ner = result.articles
    else:
        raise ParseError("not an article file (expected .txt, .html, .html.gz, .jsonl or .json)")
    if with_entities and needs_ner:
        for article, found in zip(needs_ner, ner.extract_many([a.body for a in needs_ner])):
            article.entities = found
    return result

