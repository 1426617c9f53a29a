"""A news site on 127.0.0.1 for the crawler's tests and benchmark: real pages from
../shared/corpus served as a site serves them (ETag, Last-Modified, 304s, gzip sitemaps), with
a generated sitemap index, a Google News sitemap, RSS, Atom and JSON feeds, robots.txt, and
the faults a crawler meets: a missing page, a slow page, a redirect loop, a huge page.

It binds 127.0.0.1 only, on a port the OS picks, and logs every request it answers."""
from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

HUGE_BYTES = 11 * 1024 * 1024


def corpus_pages(corpus: Path, name: str, limit: int | None = None) -> list[bytes]:
    """The raw pages of one corpus html set, in a stable order."""
    folder = corpus / name
    if name == "html-aeb":
        files = sorted((folder / "html").glob("*.html.gz"))
        read = lambda p: gzip.decompress(p.read_bytes())  # noqa: E731
    elif name == "html-readability":
        files = sorted((folder / "test-pages").glob("*/source.html"))
        read = Path.read_bytes
    else:
        files = sorted(folder.glob("*/page.html"))
        read = Path.read_bytes
    return [read(p) for p in files[:limit]]


@dataclass
class Page:
    body: bytes
    modified: dt.datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Hit:
    path: str
    status: int
    seconds: float
    started: float  # time.monotonic() when the request arrived


@dataclass
class Site:
    """Pages at /news/NNNN.html; `listed` says which of them the sitemaps and feeds list."""

    pages: dict[str, Page] = field(default_factory=dict)
    listed: list[str] = field(default_factory=list)
    slow_seconds: float = 3.0
    faults: bool = False  # list /missing.html, /slow.html, /loop-a.html, /huge.html too
    robots_redirects: int = 0  # /robots.txt answers after this many 301s (as http → https does)
    log: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @classmethod
    def from_pages(cls, bodies: list[bytes], faults: bool = False) -> "Site":
        site = cls(faults=faults)
        base = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.timezone.utc)
        for n, body in enumerate(bodies):
            path = f"/news/{n:04d}.html"
            site.pages[path] = Page(body, base + dt.timedelta(hours=n))
            site.listed.append(path)
        return site

    # -- changing the site ------------------------------------------------------------
    def update(self, path: str, body: bytes) -> None:
        with self.lock:
            self.pages[path] = Page(body, self.pages[path].modified + dt.timedelta(days=30))

    def unlist(self, path: str) -> None:
        with self.lock:
            self.listed.remove(path)

    # -- serving ----------------------------------------------------------------------
    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Site":
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                started = time.monotonic()
                status = site.answer(self)
                with site.lock:
                    site.log.append(Hit(self.path, status, time.monotonic() - started, started))

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def hits(self, prefix: str = "/", status: int | None = None) -> list[Hit]:
        with self.lock:
            return [h for h in self.log if h.path.startswith(prefix) and (status is None or h.status == status)]

    def answer(self, req: BaseHTTPRequestHandler) -> int:
        path = req.path.split("?")[0]
        with self.lock:
            page = self.pages.get(path)
            listed = [(p, self.pages[p]) for p in self.listed]
        if page is not None:
            return self._send(req, page.body, "text/html; charset=utf-8", page)
        if path == "/robots.txt" or path.startswith("/robots-hop-"):
            hop = 0 if path == "/robots.txt" else int(path[len("/robots-hop-"):].split(".")[0])
            if hop < self.robots_redirects:
                return self._send(req, b"", "text/plain", status=301,
                                  extra={"Location": f"/robots-hop-{hop + 1}.txt"})
            return self._send(req, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path in ("/sitemap.xml", "/sitemap-news.xml", "/sitemap-1.xml.gz", "/feed.rss",
                    "/feed.atom", "/feed.json"):
            body, kind = self._listing(path, listed)
            newest = max((p.modified for _, p in listed), default=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
            return self._send(req, body, kind, Page(body, newest))
        if path == "/slow.html":
            time.sleep(self.slow_seconds)
            return self._send(req, b"<html><body><p>late</p></body></html>", "text/html")
        if path in ("/loop-a.html", "/loop-b.html"):
            other = "/loop-b.html" if path == "/loop-a.html" else "/loop-a.html"
            return self._send(req, b"", "text/html", status=302, extra={"Location": other})
        if path == "/huge.html":
            return self._huge(req)
        return self._send(req, b"<html><body>Not found</body></html>", "text/html", status=404)

    def _listing(self, path: str, listed: list[tuple[str, Page]]) -> tuple[bytes, str]:
        urls = [(self.base + p, page.modified) for p, page in listed]
        if self.faults:
            urls += [(self.base + p, dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
                     for p in ("/missing.html", "/slow.html", "/loop-a.html", "/huge.html",
                               "/private/secret.html")]
        iso = lambda d: d.isoformat().replace("+00:00", "Z")  # noqa: E731
        if path == "/sitemap.xml":  # an index of a gzipped sitemap and a news sitemap
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    f'<sitemap><loc>{self.base}/sitemap-1.xml.gz</loc></sitemap>\n'
                    f'<sitemap><loc>{self.base}/sitemap-news.xml</loc></sitemap>\n'
                    '</sitemapindex>\n').encode()
            return body, "application/xml"
        half = len(urls) // 2
        if path == "/sitemap-1.xml.gz":
            rows = "".join(f"<url><loc>{escape(u)}</loc><lastmod>{iso(d)}</lastmod></url>\n"
                           for u, d in urls[:half])
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n')
            return gzip.compress(body.encode(), mtime=0), "application/gzip"
        if path == "/sitemap-news.xml":
            rows = "".join(
                f"<url><loc>{escape(u)}</loc><news:news><news:publication><news:name>Loopback "
                f"Daily</news:name><news:language>en</news:language></news:publication>"
                f"<news:publication_date>{iso(d)}</news:publication_date><news:title>t</news:title>"
                f"</news:news></url>\n" for u, d in urls[half:])
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
                    f'{rows}</urlset>\n')
            return body.encode(), "application/xml"
        if path == "/feed.rss":
            items = "".join(f"<item><title>t</title><link>{escape(u)}</link>"
                            f"<pubDate>{email.utils.format_datetime(d)}</pubDate></item>\n" for u, d in urls)
            return (f'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Loopback Daily</title>'
                    f'<link>{self.base}/</link>\n{items}</channel></rss>\n').encode(), "application/rss+xml"
        if path == "/feed.atom":
            entries = "".join(f'<entry><title>t</title><id>{escape(u)}</id><link href="{escape(u)}"/>'
                              f"<updated>{iso(d)}</updated></entry>\n" for u, d in urls)
            return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                    f'<title>Loopback Daily</title><id>{self.base}/</id><updated>2026-01-01T00:00:00Z</updated>\n'
                    f'{entries}</feed>\n').encode(), "application/atom+xml"
        feed = {"version": "https://jsonfeed.org/version/1.1", "title": "Loopback Daily",
                "items": [{"id": u, "url": u, "date_modified": iso(d)} for u, d in urls]}
        return json.dumps(feed).encode(), "application/feed+json"

    def _send(self, req, body: bytes, kind: str, page: Page | None = None, status: int = 200,
              extra: dict[str, str] | None = None) -> int:
        headers = dict(extra or {})
        if page is not None:
            headers["ETag"] = page.etag
            headers["Last-Modified"] = email.utils.format_datetime(page.modified, usegmt=True)
            if req.headers.get("If-None-Match") == page.etag:
                status, body = 304, b""
        req.send_response(status)
        if status != 304:
            headers["Content-Type"] = kind
        headers["Content-Length"] = str(len(body))
        for name, value in headers.items():
            req.send_header(name, value)
        req.end_headers()
        if req.command != "HEAD":
            try:
                req.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        return status

    def _huge(self, req) -> int:
        """11 MB of paragraphs, sent chunked (no Content-Length), as a runaway page would be."""
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Transfer-Encoding", "chunked")
        req.end_headers()
        chunk = b"<p>" + b"filler words " * 5000 + b"</p>\n"
        sent = 0
        try:
            while sent < HUGE_BYTES:
                req.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            req.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        req.close_connection = True
        return 200
