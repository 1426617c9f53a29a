import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from indexer.store import IndexDir
from indexer.writing import update_index
from web import create_app


@pytest.fixture(scope="module")
def client(examples_index):
    app = create_app({"INDEX": str(examples_index), "CORS_ORIGINS": ["https://londondaily.example"]})
    return app.test_client()


def test_home_has_a_search_form_that_works_without_js(client):
    page = client.get("/").get_data(as_text=True)
    assert '<form class="searchbox" role="search" action="/search" method="get">' in page
    assert 'name="q"' in page and 'role="combobox"' in page


def test_results_page_shows_hits_marks_facets_and_chart(client):
    response = client.get("/search?q=drone")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 articles for “drone”" in page and 'aria-live="polite"' in page
    assert "<mark>drone</mark>" in page
    assert 'href="https://londondaily.example/uk/gatwick-drone-sightings"' in page
    assert "Articles per month" in page and "since=2025-12-01&amp;until=2025-12-31" in page
    assert "entity=Ukraine" in page


def test_every_parameter_lives_in_the_url(client):
    page = client.get("/search?q=drone&entity=Ukraine&sort=newest&range=year").get_data(as_text=True)
    assert "2 articles" in page
    assert 'aria-label="Remove filter Ukraine"' in page
    assert "page=2" not in page


def test_security_headers(client):
    response = client.get("/search?q=drone")
    csp = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
    # Pictures from any http(s) host (article thumbnails); everything else the site's own.
    assert csp == {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'",
                   "img-src": "'self' data: https: http:", "object-src": "'none'", "base-uri": "'none'",
                   "form-action": "'self'", "frame-ancestors": "'none'"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_page_has_no_inline_script_or_style(client):
    page = client.get("/search?q=drone").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "onclick" not in page


def test_a_misspelling_is_searched_as_its_correction_on_the_page_and_the_api(client):
    page = client.get("/search?q=dron").get_data(as_text=True)
    assert "3 articles for “drone”" in page
    assert ('Showing results for <strong>drone</strong> — search instead for '
            '<a id="search-instead" href="/search?q=dron&amp;as_typed=1">dron</a>') in page
    as_typed = client.get("/search?q=dron&as_typed=1").get_data(as_text=True)
    assert "No articles found for “dron”" in as_typed and 'id="corrected"' not in as_typed
    assert '<a id="did-you-mean" href="/search?q=drone">drone</a>' in as_typed
    data = client.get("/api/search?q=dron").get_json()
    assert data["query"] == "dron" and data["corrected"] == "drone" and data["total"] == 3
    data = client.get("/api/search?q=dron&as_typed=1").get_json()
    assert data["corrected"] is None and data["suggestion"] == "drone" and data["total"] == 0


def test_api_search_returns_the_cli_json_shape(client):
    data = client.get("/api/search?q=black+sea").get_json()
    assert set(data) >= {"query", "total", "page", "hits", "suggestion", "facets"}
    assert data["total"] == 1 and "<mark>Black</mark>" in data["hits"][0]["snippet"]


@pytest.mark.parametrize("url,status", [
    ("/api/search?q=*a*", 400), ("/api/search?q=" + "x" * 501, 400), ("/api/search?q=drone&page=0", 400),
    ("/api/search?q=drone&per_page=500", 400), ("/api/search?q=drone&since=yesterday", 400),
    ("/api/search?q=drone&sort=sideways", 400), ("/api/related", 400), ("/api/related?id=nope", 404),
    ("/api/nothing", 404),
])
def test_api_errors_are_json_with_4xx(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.is_json and response.get_json()["error"]


def test_html_errors_are_pages_with_400_not_tracebacks(client):
    response = client.get("/search?q=body:[a+TO+z]")
    assert response.status_code == 400
    assert "ranges work only on dates" in response.get_data(as_text=True)


def test_suggest_and_related(client):
    assert client.get("/api/suggest?q=lloy").get_json()["suggestions"][0]["value"] == "Lloyd Austin"
    related = client.get("/api/related?id=ld-2026-01-08-ukraine-energy").get_json()["related"]
    assert related[0]["id"] == "london-daily-us-russia-drone.txt"


def test_cors_only_for_configured_origins(client):
    allowed = client.get("/api/search?q=drone", headers={"Origin": "https://londondaily.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://londondaily.example"
    other = client.get("/api/search?q=drone", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_no_cors_by_default(examples_index):
    client = create_app({"INDEX": str(examples_index)}).test_client()
    response = client.get("/api/search?q=drone", headers={"Origin": "https://londondaily.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_atom_feed_lists_newest_matches(client):
    response = client.get("/search.atom?q=drone")
    assert response.mimetype == "application/atom+xml"
    feed = response.get_data(as_text=True)
    titles = [line.strip() for line in feed.splitlines() if line.strip().startswith("<title>")][1:]
    assert titles[0] == "<title>Ukraine restores power to Kyiv after overnight drone attack</title>"
    assert "&lt;mark&gt;drone&lt;/mark&gt;" in feed


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert "opensearchdescription" in response.mimetype
    assert "/search?q={searchTerms}" in response.get_data(as_text=True)


# -- hostile input: 4xx with a message, never a 500 ----------------------------------------

@pytest.mark.parametrize("url", [
    "/search?q=drone&until=9999-12-31", "/search?q=drone&since=0001-01-01&until=9999-12-31",
    "/api/search?q=drone+date:9999-12-31", "/api/search?q=drone+date:[0001-01-01+TO+9999-12-31]",
    "/search.atom?q=drone+date:[0001-01-01+TO+9999-12-31]", "/api/search?q=drone+date:9999",
])
def test_far_dates_are_searched_not_overflowed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    if url.startswith("/api/"):
        wanted = 0 if "date:9999" in url else client.get("/api/search?q=drone").get_json()["total"]
        assert response.get_json()["total"] == wanted


@pytest.mark.parametrize("url", ["/search?q=drone&endpoint=x", "/search?q=drone&_method=POST",
                                 "/search?q=drone&_external=1", "/search.atom?q=drone&_external=1",
                                 "/search.atom?q=drone&endpoint=x&_method=POST"])
def test_parameters_named_like_url_for_arguments_are_just_parameters(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "drone" in response.get_data(as_text=True)


@pytest.mark.parametrize("q,message", [("*a*", "letters before"), (" ".join(["oil"] * 101), "too many words"),
                                       ("body:[a TO z]", "ranges work only on dates")])
def test_refused_queries_are_400_on_every_face(client, q, message):
    for path in ("/search", "/search.atom", "/api/search"):
        response = client.get(path, query_string={"q": q})
        assert response.status_code == 400, path
        assert message in response.get_data(as_text=True), path


@pytest.mark.parametrize("url,message", [
    ("/search?q=drone" + "&entity=x" * 2000, "too many parameters"),
    ("/api/suggest?q=dr" + "&x=1" * 60, "too many parameters"),
    ("/api/search?q=drone" + "".join(f"&entity=n{i}" for i in range(11)), "too many entity filters"),
    ("/api/search?q=drone&entity=" + "x" * 300, "too long"),
    ("/api/search?q=drone&page=100000000000000000000", "page must be 1,000 or less"),
])
def test_repeated_parameters_are_capped(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_vary_origin_whenever_cors_is_configured(client, examples_index):
    for headers in ({}, {"Origin": "https://evil.example"}, {"Origin": "https://londondaily.example"}):
        assert "Origin" in client.get("/api/search?q=drone", headers=headers).headers.get("Vary", "")
    plain = create_app({"INDEX": str(examples_index)}).test_client()
    assert "Origin" not in plain.get("/api/search?q=drone").headers.get("Vary", "")


def test_absolute_urls_come_from_base_url_not_the_host_header(examples_index):
    configured = create_app({"INDEX": str(examples_index), "BASE_URL": "https://news.example"}).test_client()
    unset = create_app({"INDEX": str(examples_index)}).test_client()
    for path in ("/opensearch.xml", "/search.atom?q=drone"):
        body = configured.get(path, headers={"Host": "evil.example"}).get_data(as_text=True)
        assert "evil.example" not in body and "https://news.example/search" in body
        fallback = unset.get(path, headers={"Host": "fallback.example"}).get_data(as_text=True)
        assert "http://fallback.example/search" in fallback


# -- links and the feed, on articles whose fields are hostile -------------------------------

UNSAFE_URLS = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,<script>alert(1)</script>",
               "//evil.example/x", "java\tscript:alert(1)", "vbscript:msgbox", "/relative/path"]


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    """Articles from an export whose urls are scripts and whose text holds characters XML
    cannot carry."""
    src = tmp_path_factory.mktemp("hostile-src")
    lines = [{"id": f"bad-{i}", "url": url, "headline": f"Zebra crossing {i}", "date": "2026-01-05T14:30:00",
              "body": "Zebra crossings are painted.", "entities": {"people": [], "organisations": [], "places": []}}
             for i, url in enumerate(UNSAFE_URLS)]
    lines.append({"id": "good", "url": "https://news.example/zebra", "headline": "Zebra \x01 herd\x0b counted",
                  "date": "2026-01-06T09:15:00", "body": "A zebra\x0c herd was counted \x1b today.",
                  "entities": {"people": [], "organisations": [], "places": []}})
    (src / "export.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    root = tmp_path_factory.mktemp("hostile-index") / "ix"
    update_index([src], IndexDir(root), with_entities=False, workers=1)
    return create_app({"INDEX": str(root), "BASE_URL": "https://news.example"}).test_client()


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [value for name, value in attrs if name in ("href", "src", "action")]


def test_only_http_urls_become_links_on_the_page(hostile_client):
    page = hostile_client.get("/search?q=zebra&per_page=20").get_data(as_text=True)
    assert "crossing 0</a></h2>" in page and "crossing 6</a></h2>" in page  # linked to their page here
    assert page.count('<h2><a href="/article/') >= 6
    parser = _Hrefs()
    parser.feed(page)
    outside = [h for h in parser.hrefs if not (h.startswith("/") and not h.startswith("//")) and not h.startswith("#")]
    assert outside == ["https://news.example/zebra"]


ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def test_the_feed_is_valid_atom_with_control_characters_in_the_text(hostile_client):
    response = hostile_client.get("/search.atom?q=zebra")
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.get_data())  # expat: fails on any XML-illegal character
    assert feed.tag == f"{ATOM}feed"
    for element in (feed, *feed.iter(f"{ATOM}entry")):  # RFC 4287 4.1.1, 4.1.2
        assert len(element.findall(f"{ATOM}id")) == 1 and len(element.findall(f"{ATOM}title")) == 1
        assert len(element.findall(f"{ATOM}updated")) == 1
        assert RFC3339.match(element.find(f"{ATOM}updated").text)
        assert re.match(r"(https?://|urn:)", element.find(f"{ATOM}id").text)
    assert feed.find(f"{ATOM}author/{ATOM}name").text  # entries without an author take the feed's
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(UNSAFE_URLS) + 1
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert all(href.startswith("https://news.example/") for href in links)
    newest = entries[0]
    assert newest.find(f"{ATOM}title").text == "Zebra  herd counted"
    assert newest.find(f"{ATOM}updated").text == "2026-01-06T09:15:00Z"
    assert newest.find(f"{ATOM}id").text == "https://news.example/zebra"
    assert feed.find(f"{ATOM}updated").text == "2026-01-06T09:15:00Z"
    assert {e.find(f"{ATOM}id").text for e in entries[1:]} == {f"urn:newsdesk:bad-{i}" for i in range(len(UNSAFE_URLS))}


def test_serve_on_a_busy_port_says_so_in_one_line(examples_index):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "web.cli", "serve", "--index", str(examples_index),
                              "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0
    assert "Traceback" not in run.stderr + run.stdout and "Serving" not in run.stdout
    assert run.stderr.strip().count("\n") == 0 and f"cannot listen on 127.0.0.1:{port}" in run.stderr


def test_an_empty_index_answers_searches(tmp_path):
    (tmp_path / "none").mkdir()
    update_index([tmp_path / "none"], IndexDir(tmp_path / "ix"), with_entities=False)
    client = create_app({"INDEX": str(tmp_path / "ix")}).test_client()
    for path in ("/search?q=zebra", "/search.atom?q=zebra", "/api/search?q=zebra"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert client.get("/api/search?q=zebra").get_json()["total"] == 0


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        found |= {int(c) for c in open(f"/proc/{pid}/task/{task}/children").read().split()}
    return found


def _until(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    return check()


def _alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_serve_processes_share_the_port_survive_a_dead_worker_and_see_commits(articles_dir, tmp_path):
    """`serve --processes 2 --ingest-token-file`, faulted as a real process tree: 2 workers
    and the push writer in its own process; one killed is replaced and requests keep being
    answered, a commit (from `newsdesk index`, then a push) is found by every worker,
    SIGTERM to the first process stops them all, and processes whose master was killed
    stop too."""
    ix = tmp_path / "ix"
    update_index([articles_dir], IndexDir(ix), with_entities=False)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}/api/search?q="
    token = tmp_path / "token"
    token.write_text("t" * 24)
    cmd = [sys.executable, "-m", "web.cli", "serve", "--index", str(ix), "--port", str(port),
           "--processes", "2", "--threads", "2", "--ingest-token-file", str(token)]

    def total(word: str) -> int | None:
        try:
            return json.load(urllib.request.urlopen(base + word, timeout=30))["total"]
        except OSError:
            return None

    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert _until(lambda: total("drone")) == 3
        workers = _until(lambda: len(_children(server.pid)) == 3 and _children(server.pid))
        assert len(workers) == 3
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        replaced = _until(lambda: len(_children(server.pid) - {victim}) == 3 and _children(server.pid))
        assert victim not in replaced and len(replaced) == 3
        assert [total("drone") for _ in range(20)] == [3] * 20
        zebra = {"id": "zebra", "headline": "Zebra herd counted", "date": "2026-01-06",
                 "body": "A zebra herd was counted on the plain by rangers."}
        (articles_dir / "zebra.jsonl").write_text(json.dumps(zebra) + "\n")
        update_index([articles_dir], IndexDir(ix), with_entities=False)
        # Each worker answers from the commit before until it has built the new one's tables
        # (begun by its first request after the commit), then from the new one.
        assert _until(lambda: [total("zebra") for _ in range(20)] == [1] * 20, seconds=30), \
            "a worker never found the commit"
        push = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/articles", method="POST",
            data=json.dumps({"id": "okapi", "headline": "Okapi calf born", "body": "An okapi calf was born."}).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer " + "t" * 24})
        assert urllib.request.urlopen(push, timeout=30).status == 202
        assert _until(lambda: total("okapi") == 1, seconds=120), "the push was never committed"
        assert _until(lambda: [total("okapi") for _ in range(20)] == [1] * 20), "a worker never found the push"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert not any(_alive(pid) for pid in replaced)
        assert "exited (signal SIGKILL); starting another" in server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
    orphaned = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _until(lambda: total("drone")) == 3
        workers = _until(lambda: len(_children(orphaned.pid)) == 3 and _children(orphaned.pid))
        orphaned.kill()
        orphaned.wait()
        assert _until(lambda: not any(_alive(pid) for pid in workers)), "workers outlived their master"
        assert total("drone") is None
    finally:
        for pid in _children(orphaned.pid) if _alive(orphaned.pid) else ():
            os.kill(pid, signal.SIGKILL)
