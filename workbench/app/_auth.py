"""The served dashboard's login: every route behind it, throttled, offline, SameSite cookies.

Panel's basic auth guards the page and its websocket only: Bokeh's ``/static``, Panel's
``/components`` (which imports any module named in the URL) and unknown routes answer anyone;
its login page loads a logo from a CDN and accepts unlimited guesses. Here :class:`Login` is a
Bokeh auth provider with a local page (no external resource, inline style), a
:class:`~workbench.app._throttle.LoginThrottle` (429 with ``Retry-After``) and constant-time
password checks, and :func:`protect` wraps every route of a built server: anonymous requests
get a redirect to the login (pages) or 403 (everything else), ``/components`` serves only
modules already imported, and every cookie is ``SameSite=Lax; HttpOnly``.

>>> check_password("s3cret", "anyone", "s3cret"), check_password("s3cret", "anyone", "guess")
(True, False)
>>> safe_next("/?x=1"), safe_next("//evil.example/"), safe_next("https://evil.example/")
('/?x=1', '/', '/')
"""

from __future__ import annotations

import hmac
import inspect
import json
import math
import os
import sys
from typing import Any

from panel.auth import BasicAuthProvider, BasicLoginHandler
from panel.config import config
from panel.io.server import ComponentResourceHandler
from tornado.web import HTTPError, RequestHandler

from workbench.app._throttle import LoginThrottle

SESSION_COOKIES = ("user", "id_token", "access_token", "refresh_token", "oauth_expiry")
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LLM workbench: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<style>
body {{font-family: system-ui, sans-serif; background: #f2f4f7; margin: 0;}}
form {{max-width: 320px; margin: 12vh auto; background: #fff; padding: 28px 32px;
  border-radius: 8px; box-shadow: 0 2px 12px rgba(0,0,0,.12);}}
h1 {{font-size: 20px; color: #2f5d8a; margin: 0 0 16px;}}
input {{display: block; width: 100%; box-sizing: border-box; margin: 8px 0; padding: 9px;
  border: 1px solid #c8d0da; border-radius: 4px; font-size: 15px;}}
button {{width: 100%; padding: 10px; margin-top: 8px; border: 0; border-radius: 4px;
  background: #2f5d8a; color: #fff; font-size: 15px; cursor: pointer;}}
.error {{color: #b00020; font-weight: 600; min-height: 1.2em;}}
</style></head><body>
<form action="login" method="post"><h1>LLM workbench</h1>
<p class="error" id="error-message">{message}</p>
<input name="username" id="username" type="text" placeholder="username" autocomplete="username"
 autocapitalize="off" autocorrect="off">
<input name="password" id="password" type="password" placeholder="password"
 autocomplete="current-password" autofocus>
<input name="next" type="hidden" value="{next}">
<button type="submit">Log in</button></form></body></html>
"""


def read_secret(basic_auth: str) -> str | dict[str, str]:
    """One shared password, or ``{user: password}`` from a JSON file (Panel's convention)."""
    if os.path.isfile(basic_auth):
        with open(basic_auth, encoding="utf-8") as fh:
            users = json.load(fh)
        if not isinstance(users, dict) or not all(isinstance(v, str) for v in users.values()):
            raise ValueError(f"{basic_auth}: expected a JSON object of user: password")
        return users
    return basic_auth


def check_password(secret: str | dict[str, str], user: str, password: str) -> bool:
    """Whether ``password`` is right for ``user`` (compared in constant time)."""
    expected = secret.get(user) if isinstance(secret, dict) else secret
    ok = hmac.compare_digest(password.encode(), (expected or "\0" * len(password)).encode())
    return ok and expected is not None


def safe_next(url: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


def login_page(message: str = "", next_url: str = "/") -> str:
    import html

    return _PAGE.format(message=html.escape(message), next=html.escape(safe_next(next_url)))


class _LoginHandler(BasicLoginHandler):
    login: Login

    def _page(self, status: int, message: str = "") -> None:
        self.set_status(status)
        for k, v in PAGE_HEADERS.items():
            self.set_header(k, v)
        self.write(login_page(message, self.get_argument("next", "/")))

    def get(self) -> None:
        self._page(200, "Wrong username or password." if self.get_argument("error", "") else "")

    def post(self) -> None:
        client = self.request.remote_ip or "?"
        throttle = self.login.throttle
        wait = throttle.retry_after(client)
        if wait:
            self.set_header("Retry-After", str(math.ceil(wait)))
            self._page(429, f"Too many failed logins: try again in {math.ceil(wait)} s.")
            return
        user = self.get_argument("username", "")
        if check_password(self.login.secret, user, self.get_argument("password", "")):
            throttle.succeeded(client)
            self.set_current_user(user or "user")
            self.redirect(safe_next(self.get_argument("next", "/")))
            return
        throttle.failed(client)
        self._page(401, "Wrong username or password.")


class _LogoutHandler(RequestHandler):
    login: Login

    def get(self) -> None:
        for name in SESSION_COOKIES:
            self.clear_cookie(name, path=config.cookie_path)
        self.redirect(self.login.login_url)


class Login(BasicAuthProvider):
    """Basic auth with a local login page, a throttle and constant-time password checks.

    Parameters
    ----------
    basic_auth : str
        One shared password, or a JSON file of ``user: password``.
    throttle : LoginThrottle, optional
        Failed-login back-off per client address (default: 5 free tries, then 2 s doubling).
    """

    def __init__(self, basic_auth: str, throttle: LoginThrottle | None = None):
        self.secret = read_secret(basic_auth)
        self.throttle = throttle or LoginThrottle()
        self._login = type("LoginHandler", (_LoginHandler,), {"login": self})
        self._logout = type("LogoutHandler", (_LogoutHandler,), {"login": self})
        super().__init__(login_endpoint="/login", logout_endpoint="/logout")

    @property
    def login_handler(self):
        return self._login

    @property
    def logout_handler(self):
        return self._logout


class _Guard:
    """Mixed in front of every route handler: login required, cookie attributes."""

    login: Login | None = None
    open_route = False  # the login and logout pages
    redirect_anonymous = False  # pages: send an anonymous visitor to the login

    def set_cookie(self, name, value, *args, **kwargs):
        kwargs.setdefault("samesite", "Lax")
        kwargs.setdefault("httponly", True)
        return super().set_cookie(name, value, *args, **kwargs)

    async def prepare(self):
        if self.login is not None and not self.open_route and not self._signed_in():
            if self.redirect_anonymous and self.request.method in ("GET", "HEAD"):
                self.redirect(self.login.login_url)
                return
            raise HTTPError(403)
        result = super().prepare()
        if inspect.isawaitable(result):
            await result

    def _signed_in(self) -> bool:
        return bool(self.get_secure_cookie("user", max_age_days=config.oauth_expiry))


class _LoadedModulesOnly:
    """``/components/<module>/...`` for modules already imported: a URL never imports one."""

    def parse_url_path(self, path: str) -> str:
        if path.split("/", 1)[0] not in sys.modules:
            raise HTTPError(404)
        return super().parse_url_path(path)


class _NotFound(RequestHandler):
    def prepare(self):
        raise HTTPError(404)


def guarded(cls: type, login: Login | None) -> type:
    """``cls`` with :class:`_Guard` (and the component-route restriction) in front of it."""
    from bokeh.server.views.doc_handler import DocHandler
    from bokeh.server.views.root_handler import RootHandler

    bases: tuple[type, ...] = (_Guard, cls)
    if issubclass(cls, ComponentResourceHandler):
        bases = (_Guard, _LoadedModulesOnly, cls)
    attrs: dict[str, Any] = {
        "login": login,
        "open_route": login is not None and issubclass(cls, (_LoginHandler, _LogoutHandler)),
        "redirect_anonymous": issubclass(cls, (DocHandler, RootHandler)),
    }
    return type(f"Guarded{cls.__name__}", bases, attrs)


def protect(server, login: Login | None = None) -> None:
    """Wrap every route handler of a built, not yet started, Bokeh server (see the module doc)."""
    app = server._tornado  # Bokeh's tornado Application (no public accessor)
    for router in (app.wildcard_router, app.default_router):
        for rule in router.rules:
            target = rule.target
            handler = isinstance(target, type) and issubclass(target, RequestHandler)
            if handler and not issubclass(target, _Guard):
                rule.target = guarded(target, login)
    app.settings["default_handler_class"] = guarded(_NotFound, login)
