"""The same story told twice: MinHash band keys of an article's body, so that exact and
near-duplicate articles (a wire story filed again with a line changed, one file indexed
under two names) can be listed once.

An article's body becomes its set of word 5-shingles; a MinHash signature of NUM_PERM
values estimates how much two such sets overlap (Jaccard similarity), and cut into BANDS
bands of ROWS values each, two articles that share any one band are candidates. With 16
bands of 8 rows two articles overlapping by 0.9 share a band with probability 0.9999, at
0.7 with 0.61, at 0.5 with 0.06 (1 − (1 − s^8)^16); bench/duplicates.py measures precision
and recall of the result on real sets. The searcher joins articles sharing a band key into
one story (searcher/stories.py)."""
from __future__ import annotations

import hashlib
import re

from datasketch import MinHash

SHINGLE_WORDS = 5
BANDS = 16
ROWS = 8
NUM_PERM = BANDS * ROWS
# Too little text to tell one story from another: "Scores in brief" is not a twin of every
# other results table with the same 20 words.
MIN_WORDS = 25
_WORD = re.compile(r"\w+")
# Made once (random permutations of a fixed seed); every signature uses the same ones.
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=1)


def shingles(body: str) -> set[bytes]:
    words = _WORD.findall(body.casefold())
    return {" ".join(words[i:i + SHINGLE_WORDS]).encode("utf-8")
            for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}


def story_bands(body: str) -> str:
    """The article's band keys, comma-joined for a KEYWORD field; "" when the body is too
    short to compare."""
    if len(_WORD.findall(body)) < MIN_WORDS:
        return ""
    signature = MinHash(num_perm=NUM_PERM, permutations=_TEMPLATE.permutations, scheme=_TEMPLATE.scheme)
    signature.update_batch(list(shingles(body)))
    values = signature.digest()
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS:(band + 1) * ROWS].tobytes()
        keys.append(f"{band:x}{hashlib.blake2b(chunk, digest_size=6).hexdigest()}")
    return ",".join(keys)
