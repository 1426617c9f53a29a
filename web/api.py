"""The JSON API for the site's own search box and Related Articles box."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, NotFound

from indexer.store import IndexProblem
from searcher import Archive, QueryError

from .params import request_from_args
from .urls import reader_link

bp = Blueprint("api", __name__, url_prefix="/api")


def archive() -> Archive:
    return current_app.extensions["newsdesk.archive"]


@bp.errorhandler(QueryError)
def bad_query(exc: QueryError):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(IndexProblem)
def no_index(exc: IndexProblem):
    return jsonify(error=str(exc)), 503


def init_app(app) -> None:
    """Errors under /api/ are JSON, including URLs no route matches (a blueprint's own error
    handlers never see those)."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(error=exc.description), exc.code
        if exc.code == 404:
            return render_template("error.html", title="Page not found", message=exc.description
                                   if exc.description != NotFound.description else
                                   "There is no page at this address. Try searching for what you were looking for."), 404
        return exc

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        current_app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith("/api/"):
            return jsonify(error="internal error"), 500
        return "Something went wrong on our side; please try again.", 500


@bp.get("/search")
def search():
    """The same object as `newsdesk search --json`."""
    data = archive().search(request_from_args(request.args)).as_json()
    for hit in data["hits"]:
        for item in (hit, *hit["similar"]):
            item["link"] = reader_link(item["id"], item["url"], item["path"])
    return jsonify(data)


@bp.get("/suggest")
def suggest():
    q = request.args.get("q", "")[:100]
    suggestions = archive().suggest(q)
    for item in suggestions:
        if item["kind"] == "headline":
            item["link"] = reader_link(item["id"], item.get("url"), item.get("path"))
    return jsonify(query=q, suggestions=suggestions)


@bp.get("/related")
def related():
    article_id = request.args.get("id", "")
    if not article_id:
        return jsonify(error="id is required"), 400
    limit = min(max(request.args.get("limit", 5, type=int) or 5, 1), 20)
    try:
        hits = archive().related(article_id, limit=limit)
    except KeyError:
        return jsonify(error=f"no article with id {article_id!r}"), 404
    return jsonify(id=article_id, related=[{**asdict(h), "link": reader_link(h.id, h.url, h.path)} for h in hits])
