"""The HTML pages served beside the API (offline docs, the explorer) and the Content-Security-
Policy that keeps each of them to its own server."""

from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import PROJECT_ROOT

EXPLORER_PATH = "/explorer"
EXPLORER_DIRECTORY = PROJECT_ROOT / "examples" / "explorer"

_STRICT = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(**overrides: str) -> str:
    directives = {**_STRICT, **{name.replace("_", "-"): value for name, value in overrides.items()}}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# By path prefix. Swagger UI starts from an inline script that FastAPI writes, so /docs alone
# allows inline scripts; ReDoc injects <style> elements and runs its search in a blob: worker.
POLICIES = {
    "/docs": _policy(script_src="'self' 'unsafe-inline'"),
    "/redoc": _policy(style_src="'self' 'unsafe-inline'", worker_src="'self' blob:"),
    EXPLORER_PATH: _policy(),
}


def policy_for(path: str) -> str | None:
    for prefix, policy in POLICIES.items():
        if path == prefix or path.startswith(f"{prefix}/"):
            return policy
    return None


class ContentSecurityPolicy:
    """Adds the page's policy to HTML responses; the API's JSON is left as it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = policy_for(scope["path"]) if scope["type"] == "http" else None
        if policy is None:
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = policy
            await send(message)

        await self.app(scope, receive, send_with_policy)


def explorer() -> StaticFiles:
    """examples/explorer as static files: index.html at /explorer/, its modules beside it."""
    return StaticFiles(directory=EXPLORER_DIRECTORY, html=True)
