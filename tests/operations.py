"""The API's operations and their query parameters, read from the OpenAPI document, so tables of
inputs cover every operation that exists (and new ones as soon as they are routed)."""

from dataclasses import dataclass
from typing import Any

from app.main import app


@dataclass(frozen=True)
class Parameter:
    name: str
    schema: dict[str, Any]
    required: bool = False

    @property
    def maximum(self) -> float | None:
        options = self.schema.get("anyOf", [self.schema])
        found = [option["maximum"] for option in options if "maximum" in option]
        return found[0] if found else None

    @property
    def kind(self) -> str:
        """integer, number, boolean, date, datetime, or string."""
        options = self.schema.get("anyOf", [self.schema])
        typed = next(option for option in options if option.get("type") != "null")
        if typed.get("format") == "date":
            return "date"
        if typed.get("format") == "date-time":
            return "datetime"
        return str(typed["type"])

    @property
    def constrained(self) -> bool:
        options = self.schema.get("anyOf", [self.schema])
        return any("pattern" in option for option in options)


# Values for parameters an operation cannot do without (search's q), used beside the one a
# test is about, so the answer is about that one.
REQUIRED_SAMPLES = {"q": "china", "group_by": "indicator"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    query: tuple[Parameter, ...]
    path_parameters: tuple[str, ...]

    @property
    def is_list(self) -> bool:
        return self.method == "get" and not self.path_parameters and "limit" in self.names

    @property
    def names(self) -> set[str]:
        return {parameter.name for parameter in self.query}

    @property
    def collection(self) -> str:
        """The list this get operation reads from: /v1/claims for /v1/claims/{claim_id}."""
        return self.path.rsplit("/", 1)[0]

    def with_query(self, url: str, query: str) -> str:
        """`url?query`, with samples for the required parameters `query` does not give."""
        given = {item.split("=", 1)[0] for item in query.split("&")}
        required = [
            f"{p.name}={REQUIRED_SAMPLES[p.name]}"
            for p in self.query
            if p.required and p.name not in given
        ]
        return f"{url}?{'&'.join([*required, query])}"

    def url(self, record_id: str) -> str:
        url = self.path
        for name in self.path_parameters:
            # A version number is the one path parameter that is not a record id.
            url = url.replace(f"{{{name}}}", "1" if name == "number" else record_id)
        return url


def operations() -> list[Operation]:
    found = []
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            found.append(
                Operation(
                    method,
                    path,
                    operation["operationId"],
                    tuple(
                        Parameter(p["name"], p["schema"], p.get("required", False))
                        for p in parameters
                        if p["in"] == "query"
                    ),
                    tuple(p["name"] for p in parameters if p["in"] == "path"),
                )
            )
    return found


OPERATIONS = operations()
READS = [operation for operation in OPERATIONS if operation.method == "get"]
LISTS = [operation for operation in READS if operation.is_list]
GETS = [operation for operation in READS if operation.path_parameters]
