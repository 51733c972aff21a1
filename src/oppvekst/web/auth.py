"""Login and logout, API tokens, and the dependencies that guard everything not public.

Who is asking is read from `Authorization: Bearer <token>` (API) or the `opv_session` cookie (web).
Both are random tokens whose SHA-256 is stored server side (oppvekst.access.users), so logging out
or deactivating a user ends access at once, and no signing secret is needed. Session cookies are HttpOnly and SameSite=Lax (Secure behind HTTPS); forms that change
state carry a token derived from the session (CSRF).

`require_role(...)`/`require_permission(...)` answer 401 to the public and 403 to a user without the
role; every refusal to a logged-in user and every login is audited.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from oppvekst.access import users
from oppvekst.access.roles import NAMES_NB, Role, allowed
from oppvekst.access.users import PUBLIC, Principal
from oppvekst.content import audit
from oppvekst.errors import InputError
from oppvekst.web.templating import templates

SESSION_COOKIE = "opv_session"
SESSION_HOURS = 8
router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/auth", tags=["tilgang / access"])


# -- who is asking ------------------------------------------------------------------------------------

def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def principal(request: Request) -> Principal:
    """The user behind the request, or the public. A bad bearer token is refused, a stale cookie ignored."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = _bearer(request)
    if token is not None:
        p = users.from_token(token)
        if p is None:
            raise HTTPException(401, "ugyldig eller utløpt nøkkel / invalid or expired token",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        p = users.from_token(cookie) if cookie else None
    request.state.principal = p or PUBLIC
    return request.state.principal


def refuse(request: Request, p: Principal, what: str) -> None:
    if p.role == Role.PUBLIC:
        raise HTTPException(401, "innlogging kreves / authentication required",
                            headers={"WWW-Authenticate": "Bearer"})
    audit.record("denied", request.url.path, {"method": request.method, "role": p.role.value, "needs": what},
                 who=p.name)
    raise HTTPException(403, f"rollen {NAMES_NB[p.role]} har ikke tilgang / the role {p.role.value} may not do this")


def require_role(*roles: Role | str):
    wanted = {Role(r) for r in roles}

    def dependency(request: Request, p: Principal = Depends(principal)) -> Principal:
        if p.role not in wanted:
            refuse(request, p, "/".join(sorted(r.value for r in wanted)))
        return p
    return dependency


def require_permission(permission: str):
    def dependency(request: Request, p: Principal = Depends(principal)) -> Principal:
        if not allowed(p.role, permission):
            refuse(request, p, permission)
        return p
    return dependency


def login_page_for(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/logg-inn?neste={quote(request.url.path)}", status_code=303)


def csrf_token(request: Request) -> str:
    cookie = request.cookies.get(SESSION_COOKIE) or ""
    return hashlib.sha256(f"csrf:{cookie}".encode()).hexdigest() if cookie else ""


def check_csrf(request: Request, token: str) -> None:
    """Forms acting on the session cookie must carry its token; a bearer header is not ambient, so no check."""
    if _bearer(request) is not None:
        return
    expected = csrf_token(request)
    if not expected or token != expected:
        raise HTTPException(403, "ugyldig skjema (CSRF) / invalid form token")


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/konto"
    return target


# -- pages ----------------------------------------------------------------------------------------

@router.get("/logg-inn", response_class=HTMLResponse)
def login_form(request: Request, neste: str | None = None):
    return templates.TemplateResponse(request, "login.html", {"next": _safe_next(neste), "error": None})


@router.post("/logg-inn", response_class=HTMLResponse)
def login_submit(request: Request, username: str = Form(..., max_length=80), password: str = Form(..., max_length=200),
                 neste: str = Form("/konto")):
    p = users.authenticate(username.strip().lower(), password)
    if p is None:
        return templates.TemplateResponse(request, "login.html", {
            "next": _safe_next(neste),
            "error": "Feil brukernavn eller passord, eller kontoen er sperret en stund. / "
                     "Wrong user name or password, or the account is locked for a while."}, status_code=401)
    token = users.issue_token(p.username, "web-session", days=None, session_hours=SESSION_HOURS)
    response = RedirectResponse(_safe_next(neste), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logg-ut")
def logout(request: Request, csrf: str = Form("")):
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        check_csrf(request, csrf)
        p = users.from_token(cookie)
        users.revoke_by_value(cookie)
        if p:
            audit.record("logout", p.name, who=p.name)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/konto", response_class=HTMLResponse)
def account(request: Request, p: Principal = Depends(principal)):
    if p.role == Role.PUBLIC:
        return login_page_for(request)
    return templates.TemplateResponse(request, "login_account.html", {
        "p": p, "role_nb": NAMES_NB[p.role], "tokens": [t for t in users.tokens(p.username) if t["name"] != "web-session"],
        "csrf": csrf_token(request), "new_token": None})


@router.post("/konto/nokkel", response_class=HTMLResponse)
def account_new_token(request: Request, name: str = Form("api", max_length=100), csrf: str = Form(""),
                      p: Principal = Depends(principal)):
    if p.role == Role.PUBLIC:
        return login_page_for(request)
    check_csrf(request, csrf)
    token = users.issue_token(p.username, name or "api", days=90)
    return templates.TemplateResponse(request, "login_account.html", {
        "p": p, "role_nb": NAMES_NB[p.role], "tokens": [t for t in users.tokens(p.username) if t["name"] != "web-session"],
        "csrf": csrf_token(request), "new_token": token})


# -- API --------------------------------------------------------------------------------------------

class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)
    name: str = Field("api", max_length=100)
    days: int = Field(90, ge=1, le=365)


@api.post("/token", summary="Ny API-nøkkel med brukernavn og passord / a new API token")
def api_token(req: TokenRequest = Body(...)):
    p = users.authenticate(req.username.strip().lower(), req.password)
    if p is None:
        raise HTTPException(401, "feil brukernavn eller passord / wrong user name or password",
                            headers={"WWW-Authenticate": "Bearer"})
    token = users.issue_token(p.username, req.name, days=req.days)
    return {"token": token, "token_type": "bearer", "expires_in_days": req.days, "role": p.role.value}


@api.get("/me", summary="Hvem er jeg / who am I")
def api_me(p: Principal = Depends(principal)):
    return {"username": p.username, "role": p.role.value, "municipality": p.municipality}


@api.post("/revoke", summary="Trekk tilbake nøkkelen som brukes / revoke the token in use")
def api_revoke(request: Request, p: Principal = Depends(require_role(*users.USER_ROLES))):
    token = _bearer(request)
    if token:
        users.revoke_by_value(token)
    return {"revoked": bool(token)}


def editor_name(token: str | None, name: str | None = None) -> str:
    """For the evidence base: the administrator a token belongs to, as the name to audit (403/401 otherwise)."""
    p = users.from_token(token) if token else None
    if p is None:
        raise HTTPException(401, "ugyldig eller manglende nøkkel / invalid or missing token",
                            headers={"WWW-Authenticate": "Bearer"})
    if not allowed(p.role, "edit_evidence"):
        audit.record("denied", "evidence", {"role": p.role.value}, who=p.name)
        raise HTTPException(403, "bare administratorer kan redigere / administrators only")
    return p.name + (f" ({name.strip()})" if name and name.strip() else "")


def number_out_of_range(request: Request, exc: OverflowError):
    """A number too large for the database (an id of 2**70, say) is bad input, not a server error."""
    from fastapi.responses import JSONResponse

    return JSONResponse({"detail": "tallet er for stort / number out of range"}, status_code=422)


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


__all__ = [
    "SESSION_COOKIE",
    "InputError",
    "api",
    "check_csrf",
    "csrf_token",
    "editor_name",
    "principal",
    "require_permission",
    "require_role",
    "router",
]


# -- limits on rate and size (ASGI middleware) ------------------------------------------------------

class AccessMiddleware:
    """Request rate per client (token bucket), body size, and query size, before anything else runs."""

    LOGIN_PATHS = ("/logg-inn", "/api/v1/auth/token")

    def __init__(self, app) -> None:
        from oppvekst.access.limits import Limits, max_body_bytes, max_query_regions

        self.app = app
        self.limits = Limits()
        self.max_body = max_body_bytes()
        self.max_repeat = max_query_regions()

    async def _answer(self, send, status: int, message: str, headers: list | None = None) -> None:
        body = json.dumps({"detail": message}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                *(headers or [])]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        from urllib.parse import parse_qs

        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length")
        try:
            too_big = length is not None and int(length) > self.max_body
        except ValueError:
            return await self._answer(send, 400, "ugyldig Content-Length / bad Content-Length")
        if too_big:
            return await self._answer(send, 413, f"forespørselen er for stor / request body over {self.max_body} bytes")
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            return await self._answer(send, 411, "oppgi Content-Length / Content-Length required")
        query = scope.get("query_string", b"")
        if len(query) > 20_000 or any(len(v) > self.max_repeat
                                      for v in parse_qs(query.decode("latin-1"), keep_blank_values=True).values()):
            return await self._answer(send, 413, f"for stor spørring / query too large (at most {self.max_repeat} "
                                                 "values per parameter)")
        client = (scope.get("client") or ("?", 0))[0]
        credential = headers.get(b"authorization") or _cookie(headers.get(b"cookie", b""))
        if credential:
            key, bucket = hashlib.sha256(credential).hexdigest(), self.limits.user
        else:
            key, bucket = client, self.limits.public
        wait = bucket.take(key)
        if not wait and scope["method"] == "POST" and scope["path"] in self.LOGIN_PATHS:
            wait = self.limits.login.take(client)
        if wait:
            return await self._answer(send, 429, "for mange forespørsler / too many requests",
                                      [(b"retry-after", str(int(wait) + 1).encode())])
        bearer = headers.get(b"authorization", b"")
        if bearer[:7].lower() == b"bearer " and bearer[7:].strip().startswith(users.TOKEN_PREFIX.encode()):
            # one of our tokens: checked on every path, so a bad one is refused, never taken as the public
            import anyio

            p = await anyio.to_thread.run_sync(users.from_token, bearer[7:].strip().decode("latin-1"))
            if p is None:
                return await self._answer(send, 401, "ugyldig eller utløpt nøkkel / invalid or expired token",
                                          [(b"www-authenticate", b'Bearer error="invalid_token"')])
            scope.setdefault("state", {})["principal"] = p
        return await self.app(scope, receive, send)


def _cookie(raw: bytes) -> bytes | None:
    for part in raw.split(b";"):
        name, _, value = part.strip().partition(b"=")
        if name == SESSION_COOKIE.encode() and value:
            return value
    return None
