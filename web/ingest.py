"""The ingest API a CMS calls when an article is published, updated or taken down.

    POST   /api/articles          one article object or a list (the keys of a JSONL export)
    DELETE /api/articles/<id>     (or DELETE /api/articles?id=<id>)

Off unless the app is given an INGEST_TOKEN (`newsdesk serve --ingest-token-file F`); every
request must carry `Authorization: Bearer <token>`. The server never writes the index: an
accepted request is appended to the durable push queue and answered 202; the indexer
(`newsdesk index --watch`) commits it. A DELETE takes down any article with that id: pushed,
from a file or crawled (indexer.takedowns)."""
from __future__ import annotations

import hmac
import json
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, jsonify, request

from indexer.errors import ParseError
from indexer.jsonexport import article_from_object
from indexer.remote import queue_dir
from indexer.spool import enqueue, pending
from indexer.store import IndexDir

bp = Blueprint("ingest", __name__, url_prefix="/api/articles")
# A request may carry many articles, each up to a page's size; more is an error, not a batch.
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_ARTICLES = 10_000


def init_app(app: Flask) -> None:
    """Register the API only when a token was configured: without one the urls do not exist."""
    if app.config.get("INGEST_TOKEN"):
        app.register_blueprint(bp)


def _queue() -> Path:
    return queue_dir(IndexDir(current_app.config["INDEX"]).root)


@bp.before_request
def authorise():
    request.max_content_length = int(current_app.config.get("INGEST_MAX_BYTES", MAX_BODY_BYTES))
    sent = request.headers.get("Authorization", "")
    scheme, _, token = sent.partition(" ")
    expected = current_app.config["INGEST_TOKEN"].encode()
    # compare_digest takes as long whatever the mismatch, so the token cannot be guessed by timing.
    if not (scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)):
        response = jsonify(error="missing or wrong ingest token (Authorization: Bearer …)")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="newsdesk ingest"'
        return response


@bp.post("")
def put_articles():
    """Queue one article or a list; all or nothing, so a retry after an error is safe."""
    if not request.is_json:
        abort(415, "send JSON (Content-Type: application/json)")
    try:
        data = json.loads(request.get_data())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        abort(400, f"invalid JSON ({exc})")
    items = data if isinstance(data, list) else [data]
    if not items:
        abort(400, "no article given")
    if len(items) > MAX_ARTICLES:
        abort(413, f"at most {MAX_ARTICLES} articles per request")
    ops, errors = [], []
    for number, obj in enumerate(items):
        try:
            article = article_from_object(obj, "", "")
            if not (isinstance(obj.get("id"), (str, int)) and str(obj["id"]).strip()) and not article.url:
                raise ParseError('an "id" or "url" is needed (DELETE addresses articles by it)')
        except ParseError as exc:
            errors.append({"index": number, "error": str(exc)})
            continue
        ops.append({"op": "put", "article": {**obj, "id": article.id}})
    if errors:
        return jsonify(error="nothing was queued: fix these articles and send again", articles=errors), 400
    return _accepted(ops)


@bp.delete("", strict_slashes=False)
@bp.delete("/<path:article_id>", merge_slashes=False)
def delete_article(article_id: str | None = None):
    article_id = article_id or request.args.get("id", "")
    if not article_id.strip():
        abort(400, "give the article id: DELETE /api/articles/<id> or /api/articles?id=<id>")
    return _accepted([{"op": "delete", "id": article_id}])


def _accepted(ops: list[dict]):
    """202 once the request is on disk. `pending` counts requests the indexer has not applied
    yet: a number that only grows means no `newsdesk index --watch` is running."""
    name = enqueue(_queue(), ops)
    queued = [{"op": op["op"], "id": op["article"]["id"] if op["op"] == "put" else op["id"]} for op in ops]
    return jsonify(queued=queued, request=name, pending=len(pending(_queue()))), 202
