"""An article's picture, for the small thumbnail beside its hit.

The value ends up as an <img src> on every results page, so only an absolute http(s) url of
bounded length is kept: `javascript:`, `data:`, `file:` or an unresolvable relative url are
dropped, never shown."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

# Longer than any real image url; a page stating more is not stating an image.
MAX_IMAGE_URL = 2048
IMAGE_SCHEMES = ("http", "https")
# The picture a site chose to represent the page when shared, in the order it says so.
_META_IMAGES = ("og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src")
# JSON-LD nests images (a list of ImageObjects, an ImageObject's url as a list) this deep.
_LD_DEPTH = 3


def image_url(value: object, base: str | None = None) -> str | None:
    """`value` as an absolute http(s) url (resolved against `base` when relative), or None."""
    if not isinstance(value, str):
        return None
    value = value.strip().replace(" ", "%20")
    if not value or len(value) > MAX_IMAGE_URL or any(ch < " " or ch == "\x7f" for ch in value):
        return None
    try:
        absolute = urljoin(base or "", value)
        parts = urlsplit(absolute)
        host = parts.hostname
    except ValueError:  # an unclosed [IPv6 address
        return None
    if parts.scheme.lower() not in IMAGE_SCHEMES or not host or len(absolute) > MAX_IMAGE_URL:
        return None
    return absolute


def _ld_image(value: object, base: str | None, depth: int = 0) -> str | None:
    """A JSON-LD `image`: a url, a list of them ({"@list": […]} too), or an ImageObject (its
    url or contentUrl); the first usable one. A bare {"@id": …} names a node, not a picture."""
    if depth > _LD_DEPTH:
        return None
    if isinstance(value, list):
        return next(filter(None, (_ld_image(v, base, depth + 1) for v in value)), None)
    if isinstance(value, dict):
        return next(filter(None, (_ld_image(value.get(key), base, depth + 1)
                                  for key in ("url", "contentUrl", "@list"))), None)
    return image_url(value, base)


def page_image(meta: dict[str, str], ld: dict, page_url: str | None) -> str | None:
    """The page's picture: its Open Graph or Twitter card image (what the site shows when the
    page is shared), else the JSON-LD article's image or thumbnailUrl."""
    for key in _META_IMAGES:
        found = image_url(meta.get(key), page_url)
        if found:
            return found
    return _ld_image(ld.get("image"), page_url) or _ld_image(ld.get("thumbnailUrl"), page_url)
