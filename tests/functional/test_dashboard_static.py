"""The dashboard's static files, served by the real WSGI app.

``/dashboard/`` is served without credentials (the API next to it still
needs them, with ``http_basic`` as with ``noauth``), with the right
content types and cache headers; unknown names, other methods and
attempts to leave the directory get no file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import webob

from esi_leap import dashboard
from esi_leap.dashboard import files
from tests import helpers

STATIC = Path(dashboard.__file__).parent / "static"


def get(app: Any, path: str, method: str = "GET",
        headers: dict[str, str] | None = None) -> webob.Response:
    req = webob.Request.blank(path, method=method)
    for name, value in (headers or {}).items():
        req.headers[name] = value
    return req.get_response(app)


@pytest.fixture
def basic_app(database: str, tmp_path: Path) -> Any:
    """The real app with ``auth_strategy = http_basic``."""
    from esi_leap.api import app as api_app
    from esi_leap.common import users_file
    from esi_leap.conf import CONF
    users = tmp_path / "users"
    users.write_text(users_file.make_entry(
        "alice", "secret", "a" * 32, "alice-project", ["member"],
        rounds=4) + "\n")
    users.chmod(0o600)
    helpers.override("auth_strategy", "http_basic")
    helpers.override("http_basic_auth_user_file", str(users))
    return api_app.build_app(CONF)


@pytest.fixture(params=["noauth", "http_basic"])
def any_app(request: pytest.FixtureRequest, app: Any) -> Iterator[Any]:
    """The app under both local auth strategies."""
    if request.param == "noauth":
        yield app
    else:
        yield request.getfixturevalue("basic_app")


@pytest.mark.parametrize("name, content_type", [
    ("index.html", "text/html; charset=utf-8"),
    ("dashboard.css", "text/css; charset=utf-8"),
    ("dashboard.js", "text/javascript; charset=utf-8"),
    ("api.js", "text/javascript; charset=utf-8"),
])
def test_files_served_without_credentials(any_app: Any, name: str,
                                          content_type: str) -> None:
    resp = get(any_app, f"/dashboard/{name}")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == content_type
    assert resp.body == (STATIC / name).read_bytes()
    assert resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers[
        "Content-Security-Policy"]


def test_api_still_needs_credentials(any_app: Any) -> None:
    resp = get(any_app, "/v1/leases")
    assert resp.status_code == 401
    assert resp.json["faultstring"].startswith("Authentication required")


def test_basic_credentials_reach_the_api(basic_app: Any) -> None:
    resp = get(basic_app, "/v1/leases",
               headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert resp.status_code == 200, resp.text
    assert resp.json == {"leases": []}


def test_root_serves_index(app: Any) -> None:
    resp = get(app, "/dashboard/")
    assert resp.status_code == 200
    assert resp.body == (STATIC / "index.html").read_bytes()


def test_without_slash_redirects(app: Any) -> None:
    resp = get(app, "/dashboard")
    assert resp.status_code == 301
    assert resp.location == "http://localhost/dashboard/"


def test_under_a_prefix_redirect_keeps_it() -> None:
    static = dashboard.StaticFiles()
    req = webob.Request.blank("/dashboard")
    req.script_name = "/lease"
    resp = req.get_response(static)
    assert resp.location == "http://localhost/lease/dashboard/"


@pytest.mark.parametrize("path", [
    "/dashboard/nope.js",
    "/dashboard/index.htm",
    "/dashboard/files.py",
    "/dashboard/__init__.py",
    "/dashboard/static/index.html",
    "/dashboard/.hidden.js",
    "/dashboard/index.html/",
])
def test_unknown_files_are_404(app: Any, path: str) -> None:
    resp = get(app, path)
    assert resp.status_code == 404
    assert resp.body == b"Not found.\n"


@pytest.mark.parametrize("path", [
    "/dashboard/../esi_leap/dashboard/files.py",
    "/dashboard/../../setup.cfg",
    "/dashboard/..%2f..%2fsetup.cfg",
    "/dashboard/%2e%2e/files.py",
    "/dashboard/..",
    "/dashboard/..\\files.py",
    "/dashboard/static/../files.py",
    "/dashboard//etc/passwd",
])
def test_traversal_attempts_get_nothing(app: Any, path: str) -> None:
    resp = get(app, path)
    assert resp.status_code == 404, (path, resp.status_code)
    assert b"import" not in resp.body


def test_traversal_into_a_real_file_is_refused(tmp_path: Path) -> None:
    """A readable .js file just outside the directory stays unreachable."""
    inside = tmp_path / "static"
    inside.mkdir()
    (inside / "ok.js").write_text("ok")
    (tmp_path / "secret.js").write_text("secret")
    app = files.mount(lambda e, s: [], inside)
    assert get(app, "/dashboard/ok.js").body == b"ok"
    for path in ("/dashboard/../secret.js", "/dashboard/%2e%2e/secret.js",
                 "/dashboard/..%2fsecret.js"):
        resp = get(app, path)
        assert resp.status_code == 404, path
        assert b"secret" not in resp.body


def test_symlink_to_a_directory_is_not_served(tmp_path: Path) -> None:
    inside = tmp_path / "static"
    inside.mkdir()
    (tmp_path / "outside").mkdir()
    (inside / "dir.js").symlink_to(tmp_path / "outside")
    app = files.mount(lambda e, s: [], inside)
    assert get(app, "/dashboard/dir.js").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head(app: Any, method: str) -> None:
    resp = get(app, "/dashboard/index.html", method=method)
    assert resp.status_code == 405
    assert resp.headers["Allow"] == "GET, HEAD"


def test_head_has_headers_without_body(app: Any) -> None:
    resp = get(app, "/dashboard/dashboard.css", method="HEAD")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/css; charset=utf-8"
    assert resp.body == b""


def test_etag_revalidation(app: Any) -> None:
    first = get(app, "/dashboard/dashboard.js")
    body = (STATIC / "dashboard.js").read_bytes()
    assert first.etag == hashlib.sha256(body).hexdigest()[:32]
    again = get(app, "/dashboard/dashboard.js",
                headers={"If-None-Match": f'"{first.etag}"'})
    assert again.status_code == 304
    assert again.body == b""
    stale = get(app, "/dashboard/dashboard.js",
                headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200
    assert stale.body == body


def test_other_paths_still_reach_the_api(client: Any) -> None:
    assert client.get("/dashboards").status_code == 401
    assert client.as_("p1").get("/dashboardx").status_code == 404
    assert client.get("/healthcheck").status_code == 200


def test_page_loads_only_its_own_files() -> None:
    """Every script and stylesheet of the page exists; nothing is
    fetched from elsewhere (no CDN)."""
    html = (STATIC / "index.html").read_text()
    refs = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert refs, html
    for ref in refs:
        assert "//" not in ref and ":" not in ref, ref
        assert (STATIC / ref).is_file(), ref
    for path in STATIC.iterdir():
        text = path.read_text()
        assert "http://" not in text and "https://" not in text, path
