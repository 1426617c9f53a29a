"""Searching the index: one Python API that the CLI and the web front end both call."""
from .archive import Archive
from .request import SearchRequest, QueryError

__all__ = ["Archive", "SearchRequest", "QueryError"]
