"""Turns article files into a Whoosh index: parse → extract → write."""

from . import whoosh_patches  # noqa: E402,F401  (a Whoosh fix every index user needs)
