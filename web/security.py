"""Response headers every page and API answer carries, and CORS for the site's own pages."""
from __future__ import annotations

from flask import Flask, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["CORS_ORIGINS"] and request.path.startswith("/api/"):
            # The answer depends on Origin whether or not this one is allowed: a cache
            # must not hand one origin's answer to another.
            response.vary.add("Origin")
            origin = request.headers.get("Origin")
            if origin in app.config["CORS_ORIGINS"]:
                response.headers["Access-Control-Allow-Origin"] = origin
        return response
