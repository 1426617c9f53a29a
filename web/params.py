"""URL parameters ↔ SearchRequest: one reading for the page, the API and the feed."""
from __future__ import annotations

import datetime as dt
from typing import Mapping

from searcher import QueryError, SearchRequest
from searcher.request import parse_date

PRESETS = {"week": 7, "month": 30, "year": 365}


def _int(args: Mapping[str, str], name: str, default: int) -> int:
    value = args.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise QueryError(f"{name} must be a whole number") from None


def request_from_args(args, today: dt.date | None = None) -> SearchRequest:
    """Read q, page, per_page, match, sort, since, until, range, entity (repeatable), section."""
    today = today or dt.date.today()
    since = parse_date(args["since"]) if args.get("since") else None
    until = parse_date(args["until"]) if args.get("until") else None
    preset = args.get("range", "")
    if preset:
        if preset not in PRESETS:
            raise QueryError("range must be week, month or year")
        since = today - dt.timedelta(days=PRESETS[preset])
    return SearchRequest(
        query=args.get("q", ""),
        page=_int(args, "page", 1),
        per_page=_int(args, "per_page", 10),
        match=args.get("match") or "all",
        sort=args.get("sort") or "relevance",
        since=since,
        until=until,
        entities=[e for e in args.getlist("entity") if e.strip()] if hasattr(args, "getlist") else [],
        section=args.get("section") or None,
    ).validate()
