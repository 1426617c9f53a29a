"""The search page, its Atom feed and the OpenSearch description."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer.store import IndexProblem
from searcher import Archive, QueryError
from searcher.results import FacetValue

from .params import PRESETS, request_from_args

bp = Blueprint("pages", __name__)
FACET_TITLES = {"people": "People", "organisations": "Organisations", "places": "Places", "section": "Section"}
FEED_SIZE = 20


def archive() -> Archive:
    return current_app.extensions["newsdesk.archive"]


def link(**changes) -> str:
    """This page's URL with some parameters changed (None removes one); a new search starts
    again at page 1."""
    args = MultiDict(request.args)
    if "page" not in changes:
        args.pop("page", None)
    for key, value in changes.items():
        args.pop(key, None)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            args.add(key, item)
    query = urlencode(list(args.items(multi=True)))
    return url_for("pages.search") + (f"?{query}" if query else "")


@dataclass
class Bar:
    month: str
    label: str
    count: int
    x: float
    height: float
    href: str


def month_bars(months: list[FacetValue], width: float = 300.0, height: float = 60.0) -> list[Bar]:
    """Articles per month as SVG bars; each bar narrows the dates to its month."""
    if not months:
        return []
    top = max(m.count for m in months)
    step = width / len(months)
    bars = []
    for i, m in enumerate(months):
        year, month = map(int, m.value.split("-"))
        last = calendar.monthrange(year, month)[1]
        bars.append(Bar(
            month=m.value, label=dt.date(year, month, 1).strftime("%B %Y"), count=m.count,
            x=round(i * step, 2), height=round(max(2.0, height * m.count / top), 2),
            href=link(since=f"{m.value}-01", until=f"{m.value}-{last:02d}", range=None)))
    return bars


@bp.app_context_processor
def helpers():
    return {"link": link, "site_name": current_app.config["SITE_NAME"]}


@bp.get("/")
def home():
    return render_template("home.html")


@bp.get("/search")
def search():
    args = request.args
    try:
        search_request = request_from_args(args)
    except QueryError as exc:
        return render_template("search.html", error=str(exc), result=None, req=None, args=args), 400
    if not search_request.query.strip() and not (search_request.entities or search_request.section
                                                 or search_request.since or search_request.until):
        return render_template("home.html")
    try:
        result = archive().search(search_request)
    except QueryError as exc:
        return render_template("search.html", error=str(exc), result=None, req=search_request, args=args), 400
    except IndexProblem as exc:
        return render_template("search.html", error=str(exc), result=None, req=search_request, args=args), 503
    return render_template(
        "search.html", result=result, req=search_request, args=args, error=None,
        facet_titles=FACET_TITLES, bars=month_bars(result.facets.get("month", [])),
        presets=PRESETS)


@bp.get("/search.atom")
def feed():
    try:
        search_request = request_from_args(request.args)
    except QueryError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    search_request.sort, search_request.page, search_request.per_page = "newest", 1, FEED_SIZE
    result = archive().search(search_request)
    body = render_template("feed.xml", result=result, req=search_request,
                           updated=max((h.date for h in result.hits if h.date), default=None))
    return Response(body, mimetype="application/atom+xml")


@bp.get("/opensearch.xml")
def opensearch():
    body = render_template("opensearch.xml")
    return Response(body, mimetype="application/opensearchdescription+xml")


