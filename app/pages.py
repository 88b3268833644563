"""The static explorer page served beside the API (its Content-Security-Policy, like every HTML
page's, comes from app.security)."""

from starlette.staticfiles import StaticFiles

from app.config import PROJECT_ROOT

EXPLORER_PATH = "/explorer"
EXPLORER_DIRECTORY = PROJECT_ROOT / "examples" / "explorer"


def explorer() -> StaticFiles:
    """examples/explorer as static files: index.html at /explorer/, its modules beside it."""
    return StaticFiles(directory=EXPLORER_DIRECTORY, html=True)
