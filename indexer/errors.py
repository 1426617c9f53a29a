"""The one exception a parser raises for a file it cannot turn into articles."""


class ParseError(Exception):
    """A file we refuse, with a reason short enough for a one-line message."""
