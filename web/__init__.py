"""The site's search page and JSON API: a Flask application over the searcher."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from indexer.store import default_index_dir
from searcher import Archive

from . import api, article_page, ingest, pages, security
from .params import refuse_many_parameters


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. Config keys: INDEX (index directory), CORS_ORIGINS (origins allowed to
    call /api/*; none by default), SEARCH_TIME_LIMIT (seconds), SITE_NAME, BASE_URL (the
    public address absolute urls in the feed and OpenSearch description start with; the
    request's own address when unset), URL_TEMPLATE (a public url made of an article's file
    path, `{path}` in it, for articles without a url of their own), ARTICLE_NOINDEX (article
    pages ask search engines not to index them)."""
    app = Flask(__name__)
    app.config.update(
        INDEX=str(default_index_dir()),
        CORS_ORIGINS=[],
        SEARCH_TIME_LIMIT=3.0,
        SITE_NAME="London Daily",
        BASE_URL=None,
        URL_TEMPLATE=None,
        ARTICLE_NOINDEX=False,
    )
    app.json.sort_keys = False  # the API's objects keep the CLI's --json key order
    if config:
        app.config.update(config)
    app.extensions["newsdesk.archive"] = Archive(Path(app.config["INDEX"]),
                                                 time_limit=float(app.config["SEARCH_TIME_LIMIT"]))
    app.before_request(refuse_many_parameters)
    app.register_blueprint(pages.bp)
    app.register_blueprint(article_page.bp)
    app.register_blueprint(api.bp)
    api.init_app(app)
    security.init_app(app)
    ingest.init_app(app)  # POST/DELETE /api/articles, only when INGEST_TOKEN is set
    return app
