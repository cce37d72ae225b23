"""What every response of the web app gets or is refused: security headers and CSP,
413 to a request body, and an access log without paths. Confirmation URLs hold a
secret token: they are never logged (the route name is), never cached, and never
sent on as a Referer."""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

# No object-src 'none': some browsers' built-in PDF viewers refuse to show a PDF
# served with it; default-src 'self' already limits objects to this origin.
CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
NO_STORE_PREFIXES = ("/confirmation/",)
MAX_BODY_BYTES = 16 * 1024  # no route reads a body


def page_csp(nonce: str) -> str:
    """The confirmation pages are self-contained: their style and script carry the nonce."""
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


@web.middleware
async def refuse_request_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answers 413 to a body over MAX_BODY_BYTES, or of unknown size (chunked), before
    any of it is read: client_max_size only applies when a handler reads the body."""
    too_large = request.content_length is not None and request.content_length > MAX_BODY_BYTES
    if too_large or "chunked" in request.headers.get(hdrs.TRANSFER_ENCODING, "").lower():
        return web.json_response({"error": "request body too large"}, status=413)
    return await handler(request)


class RouteAccessLogger(AbstractAccessLogger):
    """Access log of method, route name, status and time: never the path, which may
    hold a confirmation token. Pass it as access_log_class to whatever runs the app."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        try:
            route = request.match_info.route.name or "-"  # type: ignore[attr-defined]
        except (AttributeError, AssertionError):
            route = "-"  # the request failed before routing
        self.logger.info("%s %s %s %.3fs", request.method, route, response.status, time)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith(NO_STORE_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
