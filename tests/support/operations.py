"""The API's operations and their query parameters, read from the OpenAPI document, so tables of
inputs cover every operation that exists (and new ones as soon as they are routed)."""

from dataclasses import dataclass, field
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
    # The request body's media types and its schema (references resolved), for writes.
    media_types: tuple[str, ...] = ()
    body: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_list(self) -> bool:
        return self.method == "get" and not self.path_parameters and "limit" in self.names

    @property
    def is_json(self) -> bool:
        """Answers JSON: not one of a list's format operations (`/v1/claims.csv`)."""
        return not self.path.endswith((".csv", ".ndjson", ".jsonld"))

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


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every `$ref` replaced by what it names (the API's schemas do not recurse)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(document["components"]["schemas"][name], document)
    resolved: dict[str, Any] = {}
    for key, value in schema.items():
        if isinstance(value, dict):
            value = resolve(value, document)
        elif isinstance(value, list):
            value = [resolve(item, document) if isinstance(item, dict) else item for item in value]
        resolved[key] = value
    return resolved


def string_fields(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every string a body may carry, named as problems name fields: `authors.0`,
    `period.label`; with its schema (for maxLength)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, declared in schema.get("properties", {}).items():
        options = declared.get("anyOf", [declared])
        typed = next(option for option in options if option.get("type") != "null")
        if typed.get("type") == "string":
            found.append((prefix + name, typed))
        elif typed.get("type") == "array" and typed["items"].get("type") == "string":
            found.append((f"{prefix}{name}.0", typed["items"]))
        elif typed.get("type") == "object":
            found += string_fields(typed, f"{prefix}{name}.")
    return found


def operations() -> list[Operation]:
    found = []
    document = app.openapi()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            parameters = operation.get("parameters", [])
            content = operation.get("requestBody", {}).get("content", {})
            schemas = [resolve(media["schema"], document) for media in content.values()]
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
                    tuple(content),
                    schemas[0] if schemas else {},
                )
            )
    return found


OPERATIONS = operations()
READS = [operation for operation in OPERATIONS if operation.method == "get"]
LISTS = [operation for operation in READS if operation.is_list]
JSON_LISTS = [operation for operation in LISTS if operation.is_json]
GETS = [operation for operation in READS if operation.path_parameters]
WRITES = [operation for operation in OPERATIONS if operation.method != "get"]
