"""URL parameters ↔ SearchRequest: one reading for the page, the API and the feed."""
from __future__ import annotations

import datetime as dt
from typing import Mapping

from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from searcher import QueryError, SearchRequest
from searcher.request import parse_date

PRESETS = {"week": 7, "month": 30, "year": 365}
# A url carries a few parameters; thousands (2,000 entity= made one page take 21 s) are refused
# before any work.
MAX_PARAMS = 50
MAX_ENTITY_FILTERS = 10
MAX_FILTER_CHARS = 200
# Deeper than any reader pages: page 10^20 asked the ranking for the top 10^21.
MAX_PAGE = 1000


def _int(args: Mapping[str, str], name: str, default: int, most: int | None = None) -> int:
    value = args.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise QueryError(f"{name} must be a whole number") from None
    if most is not None and number > most:
        raise QueryError(f"{name} must be {most:,} or less")
    return number


def refuse_many_parameters() -> None:
    """Before every request: refuse a url with more parameters than any page of the site
    writes."""
    count = len(list(request.args.items(multi=True)))
    if count > MAX_PARAMS:
        raise BadRequest(f"too many parameters ({count}; the limit is {MAX_PARAMS})")


def _filters(args: MultiDict) -> list[str]:
    names = list(dict.fromkeys(e.strip() for e in args.getlist("entity") if e.strip()))
    if len(names) > MAX_ENTITY_FILTERS:
        raise QueryError(f"too many entity filters ({len(names)}; the limit is {MAX_ENTITY_FILTERS})")
    for value in [*names, args.get("section") or ""]:
        if len(value) > MAX_FILTER_CHARS:
            raise QueryError(f"a filter is too long ({len(value)} characters; the limit is {MAX_FILTER_CHARS})")
    return names


def request_from_args(args: MultiDict, today: dt.date | None = None) -> SearchRequest:
    """Read q, page, per_page, match, sort, since, until, range, entity (repeatable), section,
    collapse (0: list every version of a story), as_typed (1: never search a spelling
    correction instead of q)."""
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
        page=_int(args, "page", 1, MAX_PAGE),
        per_page=_int(args, "per_page", 10),
        match=args.get("match") or "all",
        sort=args.get("sort") or "relevance",
        since=since,
        until=until,
        entities=_filters(args),
        section=args.get("section") or None,
        collapse=args.get("collapse", "1").strip() != "0",
        as_typed=args.get("as_typed", "0").strip() == "1",
    ).validate()
