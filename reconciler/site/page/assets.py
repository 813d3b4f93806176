"""What the page loads besides itself, all from the site: its stylesheet, the site's theme
colour as a stylesheet, and the site's analytics script (the advanced setting; served as a
file so that the Content-Security-Policy needs no inline script)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response

from reconciler.site.api.accounts import by_site
from reconciler.site.api.http import run
from reconciler.site.api.problems import HttpProblem
from reconciler.site.page.render import SECURITY_HEADERS, STATIC

STATIC_FILES = {"side.css": "text/css; charset=utf-8"}
_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def _asset(body: str, media_type: str, max_age: int = 300) -> Response:
    headers = {**SECURITY_HEADERS, "Cache-Control": f"max-age={max_age}"}
    return Response(body, media_type=media_type, headers=headers)


async def static_file(request: Request) -> Response:
    name = str(request.path_params["name"])
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise HttpProblem(404, "not-found", "no such file", "")
    return _asset((STATIC / name).read_text("utf-8"), media_type, 3600)


async def theme(request: Request) -> Response:
    """The theme colour as CSS custom properties (the colour is checked #RRGGBB)."""
    account = await run(by_site, request)
    color = account.settings.MediaSettings.ColorCode or "#1f5f8b"
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    light = 0.299 * red + 0.587 * green + 0.114 * blue > 150
    on_color = "#111111" if light else "#ffffff"
    return _asset(f":root {{ --farge: {color}; --paa-farge: {on_color}; }}\n", "text/css")


async def analytics(request: Request) -> Response:
    """The site's analytics script; a script given with its <script> tags is served as the
    code inside them (tags loading code from elsewhere are left out: the page loads nothing
    from another host)."""
    account = await run(by_site, request)
    script = account.settings.Analytics.Script
    if not script:
        raise HttpProblem(404, "not-found", "this site has no analytics script", "")
    if "<script" in script.lower():
        script = "\n".join(
            body for attributes, body in _INLINE_SCRIPT.findall(script) if "src" not in attributes
        )
    return _asset(script, "text/javascript; charset=utf-8")
