"""The /v1 promise: operations are only added. Removing one fails here unless it went through
deprecation first (flagged in app/web/deprecation.py, announced by Deprecation and Sunset headers,
and past its sunset date)."""

from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT
from app.main import app
from app.web.deprecation import DEPRECATED, Deprecation, install_deprecations

LISTED = PROJECT_ROOT / "tests" / "v1_operations.txt"


def listed_operations() -> set[str]:
    lines = LISTED.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def published_operations(application: FastAPI) -> dict[str, bool]:
    """`operation_id METHOD path` -> whether it is flagged deprecated."""
    published: dict[str, bool] = {}
    for path, item in application.openapi()["paths"].items():
        for method, operation in item.items():
            if path.startswith("/v1"):
                key = f"{operation['operationId']} {method.upper()} {path}"
                published[key] = bool(operation.get("deprecated", False))
    return published


def illegal_removals(
    listed: set[str], published: set[str], registry: dict[str, Deprecation], today: date
) -> list[str]:
    """Listed operations that are gone without having been deprecated until their sunset."""
    removed = []
    for operation in sorted(listed - published):
        deprecation = registry.get(operation.split()[0])
        if deprecation is None or deprecation.sunset_on > today:
            removed.append(operation)
    return removed


def test_no_v1_operation_disappeared_without_deprecation() -> None:
    published = set(published_operations(app))
    today = datetime.now(UTC).date()
    assert illegal_removals(listed_operations(), published, DEPRECATED, today) == []


def test_every_v1_operation_is_listed() -> None:
    """A new operation is added to tests/v1_operations.txt, which makes it part of the promise."""
    assert set(published_operations(app)) - listed_operations() == set()


def test_deprecated_operations_are_flagged_in_the_openapi() -> None:
    for operation, deprecated in published_operations(app).items():
        assert deprecated == (operation.split()[0] in DEPRECATED), operation


def test_the_guard_catches_a_removal() -> None:
    listed = {"list_claims GET /v1/claims", "get_claim GET /v1/claims/{claim_id}"}
    published = {"list_claims GET /v1/claims"}
    sunset = Deprecation(date(2026, 1, 1), date(2026, 7, 1))
    today = date(2026, 6, 1)
    assert illegal_removals(listed, published, {}, today) == ["get_claim GET /v1/claims/{claim_id}"]
    assert illegal_removals(listed, published, {"get_claim": sunset}, today) == [
        "get_claim GET /v1/claims/{claim_id}"
    ]
    assert illegal_removals(listed, published, {"get_claim": sunset}, date(2026, 7, 2)) == []


def test_deprecated_operations_send_deprecation_and_sunset() -> None:
    demo = FastAPI()

    @demo.get("/v1/old")
    def old_operation() -> dict[str, str]:
        return {"ok": "yes"}

    @demo.get("/v1/new")
    def new_operation() -> dict[str, str]:
        return {"ok": "yes"}

    registry = {
        "old_operation": Deprecation(date(2026, 12, 1), date(2027, 6, 1), "/docs/migrating")
    }
    install_deprecations(demo, registry)
    with TestClient(demo) as client:
        old = client.get("/v1/old")
        assert old.headers["deprecation"] == "@1796083200"
        assert parsedate_to_datetime(old.headers["sunset"]) == datetime(2027, 6, 1, tzinfo=UTC)
        assert old.headers["link"] == '</docs/migrating>; rel="deprecation"'
        new = client.get("/v1/new")
        assert "deprecation" not in new.headers
        assert "sunset" not in new.headers
    assert demo.openapi()["paths"]["/v1/old"]["get"]["deprecated"] is True
