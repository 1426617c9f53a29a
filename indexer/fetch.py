"""Polite HTTP fetching for the crawler: robots.txt, a per-host delay, timeouts, a size limit,
conditional requests, and redirects followed by hand so that every hop is checked.

A site's own search indexer should never be the reason its servers are slow, and should never
wander off the site: only the hosts the user named are ever contacted."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import urllib3

from .decode import MAX_PAGE_BYTES

USER_AGENT = "newsdesk/0.1 (site search indexer)"
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)
ROBOTS_BYTES = 512 * 1024


class FetchError(Exception):
    """A url that could not be fetched; the message is the reason shown to the user."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status


@dataclass
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 when the validators still hold
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # of a redirect


@dataclass
class FetchPolicy:
    """How hard the crawler may press on a site."""

    hosts: set[str]  # netlocs that may be contacted; everything else is refused
    delay: float = 0.5  # seconds between request starts on one host (robots Crawl-delay wins if longer)
    concurrency: int = 4
    connect_timeout: float = 5.0
    timeout: float = 20.0  # a whole response, headers to last byte
    max_bytes: int = MAX_PAGE_BYTES


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_start: float = 0.0
    robots: RobotFileParser | None = None
    robots_delay: float = 0.0
    unreachable: str | None = None  # why robots.txt could not be read: the host is left alone
    robots_ready: threading.Event = field(default_factory=threading.Event)


@dataclass
class Counters:
    requests: int = 0
    bytes: int = 0


def netloc(url: str) -> str:
    return urlsplit(url).netloc.lower()


class Fetcher:
    """Thread-safe: one per run, shared by the fetching threads."""

    def __init__(self, policy: FetchPolicy):
        self.policy = policy
        self.counters = Counters()
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()
        self._http = urllib3.PoolManager(
            num_pools=16, maxsize=max(policy.concurrency, 1), retries=False,
            timeout=urllib3.Timeout(connect=policy.connect_timeout, read=policy.timeout),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None,
            limit: int | None = None) -> Response:
        """GET url, following at most MAX_REDIRECTS redirects; raises FetchError. The body may
        be `limit` bytes (default: the policy's page limit)."""
        return self._follow(url, etag, last_modified, limit, self.check_allowed)

    def _follow(self, url: str, etag: str | None, last_modified: str | None, limit: int | None,
                check: Callable[[str], None]) -> Response:
        """GET url and the redirects it leads to, each hop `check`ed before it is asked for."""
        seen = {url}
        for _ in range(MAX_REDIRECTS + 1):
            check(url)
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            status, response = self._request(url, headers, limit)
            if status in REDIRECTS:
                location = response.location
                if not location:
                    raise FetchError(f"HTTP {status} without a Location", status)
                target = urljoin(url, location.strip())
                if target in seen:
                    raise FetchError(f"redirect loop ({url} → {target})", status)
                seen.add(target)
                url = target
                continue
            return response
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", 310)

    def check_allowed(self, url: str) -> None:
        self._check_site(url)
        parts = urlsplit(url)
        robots = self._robots(parts.scheme, parts.netloc.lower())
        unreachable = self._host(parts.netloc.lower()).unreachable
        if unreachable:
            raise FetchError(f"robots.txt unreachable ({unreachable}): the host is not crawled")
        if not robots.can_fetch(USER_AGENT, url):
            raise FetchError("disallowed by robots.txt")

    def _check_site(self, url: str) -> None:
        """An http(s) url on one of the hosts given (robots.txt aside)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"not an http(s) url ({parts.scheme or 'no'} scheme)")
        if parts.netloc.lower() not in self.policy.hosts:
            raise FetchError(f"off-site url (host {parts.netloc} is not one of the sites given)")

    def _host(self, host: str) -> _Host:
        with self._lock:
            return self._hosts.setdefault(host, _Host())

    def _robots(self, scheme: str, host: str) -> RobotFileParser:
        state = self._host(host)
        with state.lock:
            first = state.robots is None
            if first:
                state.robots = RobotFileParser()
        if not first:
            state.robots_ready.wait()
            return state.robots
        robots = state.robots
        try:
            # Redirected (http → https, a moved file) as a page is: each hop checked, at most
            # MAX_REDIRECTS; off the site, a loop or too many, the host is left alone.
            response = self._follow(f"{scheme}://{host}/robots.txt", None, None, ROBOTS_BYTES,
                                    self._check_site)
            robots.parse(response.body.decode("utf-8", "replace").splitlines())
        except FetchError as exc:
            # RFC 9309: one that is not there (4xx) allows everything; unreachable (5xx,
            # network) means assume everything is disallowed.
            if exc.status is not None and 400 <= exc.status < 500:
                robots.allow_all = True
            else:
                robots.disallow_all = True
                state.unreachable = str(exc)
        delay = robots.crawl_delay(USER_AGENT)
        if delay:
            state.robots_delay = float(delay)
        state.robots_ready.set()
        return robots

    def _wait_turn(self, host: str) -> None:
        state = self._host(host)
        delay = max(self.policy.delay, state.robots_delay)
        with state.lock:
            now = time.monotonic()
            start = max(now, state.next_start)
            state.next_start = start + delay
        if start > now:
            time.sleep(start - now)

    def _request(self, url: str, headers: dict[str, str], limit: int | None = None) -> tuple[int, Response]:
        limit = limit or self.policy.max_bytes
        self._wait_turn(netloc(url))
        started = time.monotonic()
        with self._lock:
            self.counters.requests += 1
        try:
            raw = self._http.request("GET", url, headers=headers, preload_content=False,
                                     redirect=False)
        except urllib3.exceptions.NewConnectionError as exc:  # a subclass of the timeout error
            raise FetchError(f"connection failed ({_reason(exc)})") from None
        except urllib3.exceptions.TimeoutError:
            raise FetchError(f"timed out (no answer within {self.policy.timeout:g}s)") from None
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"connection failed ({_reason(exc)})") from None
        complete = False
        try:
            status = raw.status
            response = Response(url, status, content_type=raw.headers.get("Content-Type", ""),
                                etag=raw.headers.get("ETag"),
                                last_modified=raw.headers.get("Last-Modified"),
                                location=raw.headers.get("Location"))
            if status == 304:  # no body by definition
                raw.drain_conn()
                complete = True
                return status, response
            if status in REDIRECTS:
                return status, response
            if status != 200:
                raise FetchError(f"HTTP {status}", status)
            declared = raw.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"too large ({int(declared) / 1e6:.1f} MB; limit {limit / 1e6:.0f} MB)", status)
            chunks, size = [], 0
            for chunk in raw.stream(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise FetchError(f"too large (over {limit / 1e6:.0f} MB)", status)
                if time.monotonic() - started > self.policy.timeout:
                    raise FetchError(f"timed out (not complete within {self.policy.timeout:g}s)", status)
                chunks.append(chunk)
            response.body = b"".join(chunks)
            complete = True
            with self._lock:
                self.counters.bytes += size
            return status, response
        except urllib3.exceptions.TimeoutError:
            raise FetchError(f"timed out (no data for {self.policy.timeout:g}s)") from None
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"connection broken ({_reason(exc)})") from None
        finally:
            # A connection left mid-response cannot carry another request.
            raw.release_conn() if complete else raw.close()


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(reason).split(": ", 1)[-1][:200]
