import json

import pytest

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
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_page_has_no_inline_script_or_style(client):
    page = client.get("/search?q=drone").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "onclick" not in page


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
