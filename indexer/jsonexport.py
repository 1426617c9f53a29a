"""JSON Lines (and JSON) exports: one article object per line; only `body` is required."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterator

from .article import Article, Entities
from .errors import ParseError, dropped_date
from .dates import parse_iso_datetime
from .image import image_url
from .markup import fragment_text

MAX_LINE_CHARS = 10 * 1024 * 1024


@dataclass
class LineError:
    line: int
    reason: str


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def article_from_object(obj: object, fallback_id: str, path: str) -> Article:
    """The article an export object gives; a date it cannot read is dropped (an article is
    never lost for want of a date)."""
    if not isinstance(obj, dict):
        raise ParseError("not a JSON object")
    body = obj.get("body")
    if not isinstance(body, str) or not fragment_text(body):
        raise ParseError('missing "body"')
    date = obj.get("date")
    parsed = parse_iso_datetime(date) if isinstance(date, str) else None
    url = obj.get("url") if isinstance(obj.get("url"), str) and obj.get("url") else None
    ents = obj.get("entities")
    entities = Entities(
        people=_names(ents.get("people")),
        organisations=_names(ents.get("organisations") or ents.get("organizations")),
        places=_names(ents.get("places")),
    ) if isinstance(ents, dict) else Entities()
    return Article(
        id=str(obj.get("id") or url or fallback_id),
        path=path,
        url=url,
        headline=fragment_text(str(obj.get("headline") or obj.get("title") or "")),
        body=fragment_text(body),
        date=parsed[0] if parsed else None,
        has_time=parsed[1] if parsed else False,
        byline=fragment_text(str(obj["byline"])) or None if obj.get("byline") else None,
        section=str(obj["section"]).strip() if obj.get("section") else None,
        image=image_url(obj.get("image"), url),
        entities=entities,
    )


def _items(number: int, obj: object, fallback_id: str, path: str,
           seen: dict[str, int]) -> Iterator[Article | LineError]:
    """One object's article, unless an earlier line of the export gave its id (the first keeps
    it: an id names one article)."""
    article = article_from_object(obj, fallback_id, path)
    if article.id in seen:
        yield LineError(number, f"duplicate id {article.id!r} (line {seen[article.id]} has it); not indexed")
        return
    seen[article.id] = number
    if article.date is None and obj.get("date"):  # obj is a dict once article_from_object passed
        yield LineError(number, dropped_date(obj["date"]))
    yield article


def parse_jsonl(text: str, path: str) -> Iterator[Article | LineError]:
    """Articles line by line; a bad line is reported and the rest of the file still counts."""
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield LineError(number, "line too long")
            continue
        try:
            yield from _items(number, json.loads(line), f"{path}#{number}", path, seen)
        except json.JSONDecodeError as exc:
            yield LineError(number, f"invalid JSON ({exc.msg})")
        except RecursionError:
            yield LineError(number, "JSON nested too deeply")
        except ParseError as exc:
            yield LineError(number, str(exc))


def parse_json(text: str, path: str) -> Iterator[Article | LineError]:
    """A .json export: one article object, or a list of them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError:
        raise ParseError("JSON nested too deeply") from None
    items = data if isinstance(data, list) else [data]
    seen: dict[str, int] = {}
    for number, obj in enumerate(items, 1):
        try:
            yield from _items(number, obj, f"{path}#{number}" if len(items) > 1 else path, path, seen)
        except ParseError as exc:
            yield LineError(number, str(exc))
