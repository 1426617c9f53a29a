"""Turns article files into a Whoosh index: parse → extract → write."""
