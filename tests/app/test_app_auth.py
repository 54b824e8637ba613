"""``workbench serve --basic-auth``: every route behind the login, throttled, offline login page.

The probe's case (benchmarks/probe_dashboard.py): anonymous GETs of ``/static/...``,
``/components/this/...`` (which ran ``import this``), ``/favicon.ico``, ``/logout`` and unknown
routes were answered; the login page fetched its logo from cdn.holoviz.org; 40 wrong passwords
in a row were all answered 302; the ``next_url`` cookie had no ``SameSite``.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.parse

import pytest
from _loopback import free_port

from workbench.app._throttle import LoginThrottle
from workbench.settings import Settings

PASSWORD = "correct horse"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A dashboard server in this process (its io loop runs only inside ``fetch``)."""
    from workbench.app._cli import make_server

    root = tmp_path_factory.mktemp("auth")
    settings = Settings(data_dir=root, config_dir=root / "c", cache_dir=root / "cache")
    server = make_server(settings, port=free_port(), demo_n=200, basic_auth=PASSWORD)
    yield server
    server.stop()


def fetch(server, path: str, *, method: str = "GET", body: dict | None = None, cookie: str = ""):
    from tornado.httpclient import AsyncHTTPClient, HTTPClientError

    async def go():
        try:
            return await AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{server.port}/{path}",
                method=method,
                body=urllib.parse.urlencode(body) if body is not None else None,
                headers={"Cookie": cookie} if cookie else None,
                follow_redirects=False,
                raise_error=False,
            )
        except HTTPClientError as exc:
            return exc.response

    return server.io_loop.run_sync(go, timeout=60)


def login(server, password: str = PASSWORD):
    return fetch(server, "login", method="POST", body={"username": "u", "password": password})


ANONYMOUS = [
    "",
    "autoload.js?bokeh-autoload-element=x",
    "ws",
    "favicon.ico",
    "static/js/bokeh.min.js",
    "static/extensions/panel/panel.min.js",
    "components/this/x/__css__/a.css",
    "components/panel.template.bootstrap/BootstrapTemplate/_css/bootstrap.css",
    "no-such-route",
]


@pytest.mark.parametrize("path", ANONYMOUS)
def test_anonymous_requests_are_refused_or_sent_to_the_login(served, path):
    sys.modules.pop("this", None)
    resp = fetch(served, path)
    assert resp.code in (302, 403), (path, resp.code)
    if resp.code == 302:
        assert resp.headers["Location"].startswith("/login")
    assert "this" not in sys.modules  # the component route imported nothing


def test_login_page_is_local_and_not_frameable(served):
    resp = fetch(served, "login")
    page = resp.body.decode()
    assert resp.code == 200
    assert re.findall(r"(?:src|href)=\"(?!data:)[^\"]+\"", page) == []
    assert "http" not in page.split("<style>")[0] + page.split("</style>")[1]
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_signed_in_requests_pass_and_cookies_are_samesite(served):
    resp = login(served)
    assert resp.code == 302 and resp.headers["Location"] == "/"
    cookies = resp.headers.get_list("Set-Cookie")
    session = [c for c in cookies if c.startswith(("user=", "id_token="))]
    assert len(session) == 2
    assert all("SameSite=Lax" in c and "HttpOnly" in c for c in cookies)
    jar = "; ".join(c.split(";")[0] for c in session)
    assert fetch(served, "", cookie=jar).code == 200
    assert fetch(served, "static/js/bokeh.min.js", cookie=jar).code == 200
    sys.modules.pop("this", None)
    assert fetch(served, "components/this/x/__css__/a.css", cookie=jar).code == 404
    assert "this" not in sys.modules  # even signed in, a URL never imports a module
    out = fetch(served, "logout", cookie=jar)
    assert out.code == 302 and out.headers["Location"] == "/login"


def test_failed_logins_back_off_with_429(served):
    served_login = served._tornado.auth_provider
    served_login.throttle = LoginThrottle(free=3, base=60.0)
    codes = [login(served, "wrong").code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    locked = login(served)
    assert locked.code == 429 and 55 <= int(locked.headers["Retry-After"]) <= 60
    served_login.throttle = LoginThrottle()


def test_websocket_messages_are_capped_to_one_upload_chunk(served):
    from workbench.app._upload import CHUNK, MARGIN

    assert served._tornado.settings["websocket_max_message_size"] == CHUNK + MARGIN


def test_throttle_caps_the_lockout_and_the_clients_it_remembers():
    now = [0.0]
    t = LoginThrottle(free=0, base=1.0, cap=10.0, max_clients=3, clock=lambda: now[0])
    for _ in range(20):
        t.failed("a")
    assert t.retry_after("a") == 10.0
    for c in "bcd":
        t.failed(c)
    assert t.retry_after("a") == 0.0  # forgotten: the oldest of more than max_clients


def test_passwords_from_a_json_file(tmp_path):
    from workbench.app._auth import check_password, read_secret

    path = tmp_path / "users.json"
    path.write_text(json.dumps({"ana": "pw-a", "bo": "pw-b"}))
    users = read_secret(str(path))
    assert check_password(users, "ana", "pw-a") and not check_password(users, "ana", "pw-b")
    assert not check_password(users, "eve", "pw-a") and not check_password(users, "eve", "")
