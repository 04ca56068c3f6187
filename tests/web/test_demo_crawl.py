"""Every page reachable from the dashboard renders for every demo role on the demo company:
a crawl of same-site links (GET only) that must never hit a server error."""

from __future__ import annotations

import re
from collections import deque

import pytest
from fastapi.testclient import TestClient

from gemba.api.app import create_app
from gemba.cli.demo import DEMO_USERS, prepare_demo

LINK = re.compile(r'href="(/[^"#]*)"')
SKIP = ("/static/", "/api/", "/logout")
MAX_PAGES = 150


def crawl(client: TestClient) -> dict[str, int]:
    seen: dict[str, int] = {}
    queue = deque(["/"])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft().replace("&amp;", "&")
        if url in seen or url.startswith(SKIP):
            continue
        r = client.get(url, headers={"Accept": "text/html"})
        seen[url] = r.status_code
        assert r.status_code < 500, f"{url} -> {r.status_code}"
        if r.headers.get("content-type", "").startswith("text/html"):
            queue.extend(u for u in LINK.findall(r.text) if u not in seen)
    return seen


@pytest.mark.parametrize("username", [u for u, _ in DEMO_USERS])
def test_demo_pages_render_for_every_role(gemba, username):
    login = prepare_demo(gemba)
    with TestClient(create_app(gemba)) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post("/login", data={"username": username, "password": login.password,
                                        "csrf_token": token, "next": "/"},
                        follow_redirects=False)
        assert r.status_code == 303
        seen = crawl(client)
    assert seen["/"] == 200
    if username in ("admin", "planner"):
        assert any(u.startswith("/erp/boms/BOM-") for u in seen), "no BOM page reached"
        assert any(u.startswith("/mes/equipment/") and seen[u] == 200 for u in seen)
        assert any(u.startswith("/erp/items/") and seen[u] == 200 for u in seen)
