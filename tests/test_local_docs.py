"""The docs page works offline: everything it loads comes from the server itself."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class _Urls(HTMLParser):
    """Every URL the page loads: src/href attributes and the url: of SwaggerUIBundle."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]

    def handle_data(self, data: str) -> None:
        self.scripts.append(data)


@pytest.fixture
def page(client) -> _Urls:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parsed = _Urls()
    parsed.feed(response.text)
    return parsed


def test_docs_page_loads_only_same_origin_assets(page):
    assert page.urls, "the page references no asset"
    for url in page.urls:
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("", ""), f"{url} is not on this server"
        assert url.startswith("/docs/assets/")
    script = "".join(page.scripts)
    assert "url: '/openapi.json'" in script
    assert "http://" not in script
    assert "https://" not in script


def test_every_docs_asset_is_served_with_its_type(client, page):
    loaded = {urlsplit(url).path.rsplit(".", 1)[-1] for url in page.urls}
    assert loaded == {"js", "css", "png"}
    for url in page.urls:
        response = client.get(url)
        assert response.status_code == 200, url
        expected = EXPECTED_TYPES["." + url.rsplit(".", 1)[-1]]
        assert response.headers["content-type"].split(";")[0] == expected, url
        assert len(response.content) > 0


def test_the_document_the_page_reads_is_served(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"]
