"""Response headers every answer carries: no sniffing, no referrer, a CSP, no caching of errors
and a Cache-Control on everything else.

HTML pages (the offline /docs and /redoc) get a CSP allowing only this origin's assets and the
exact inline scripts of the page, by hash, so no injected script can run.
"""

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON and problem documents are data, never a page: forbid everything, including framing.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc set inline style attributes and inject <style> tags, and ReDoc runs its
# search in a blob: worker; styles cannot run code, so 'unsafe-inline' is allowed for styles only.
HTML_POLICY = (
    "default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-site",
}


def script_hashes(html: bytes) -> list[str]:
    """CSP source expressions for the page's inline scripts."""
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in INLINE_SCRIPT.findall(html)
    ]


def html_policy(html: bytes) -> str:
    return HTML_POLICY.format(hashes=" ".join(script_hashes(html)) or "")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        html_body: list[bytes] = []

        async def send_with_headers(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in COMMON_HEADERS.items():
                    headers[name] = value
                if message["status"] >= 400:
                    headers["Cache-Control"] = "no-store"
                else:
                    # Every answer states a policy: whatever says none (the docs pages, their
                    # assets, which carry ETag and Last-Modified) may be kept but revalidated.
                    headers.setdefault("Cache-Control", "no-cache")
                if headers.get("content-type", "").startswith("text/html"):
                    start = message  # the policy needs the body's inline scripts: hold it
                    return
                headers.setdefault("Content-Security-Policy", API_POLICY)
                await send(message)
                return
            if start is None:
                await send(message)
                return
            html_body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(html_body)
            MutableHeaders(scope=start)["Content-Security-Policy"] = html_policy(body)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_with_headers)
