"""One router per resource, made from its description: reads (list, get, versions, a version)
and writes (create, merge patch, retract), with operation ids like `list_claims` and
`update_claim`."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import RowMapping, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.query.grammar import RECORD_ID, NoParams, Text, VersionListParams, VersionNumber
from app.query.keyset import count_query, cursor_key, paginate, parse_sort, query_fingerprint
from app.query.reads import document_response, find_row, get_record, gone, list_records
from app.resources import SCHEMAS
from app.resources.kernel import Prepared, Resource
from app.resources.schemas import VersionPage
from app.store.engine import SessionDep
from app.store.models import Change, utc_now
from app.store.temporal import CURRENT, tables_at
from app.web.conditional import (
    IMMUTABLE,
    NEWEST_CHANGE,
    conditional,
    match,
    record_etag,
    validators,
    well_formed,
)
from app.web.negotiation import JSON_ONLY_DEPENDENCY
from app.web.problems import ApiError, conflict, invalid_parameter, not_found
from app.web.responses import (
    GET_ERRORS,
    LIST_RESPONSES,
    WRITE_ERRORS,
    json_response,
    list_response,
)
from app.write import idempotency
from app.write.auth import Writer
from app.write.bodies import (
    CREATE_MEDIA_TYPES,
    PATCH_MEDIA_TYPES,
    invalid,
    json_body,
    merge_patch,
    request_body,
)
from app.write.editing import check_no_dependents, prepare
from app.write.versioning import (
    StaleVersionError,
    changed_fields,
    insert_new_records,
    retract_record,
    topics_of,
    update_record,
)

VERSION_FIELDS = ("version", "operation", "at", "author", "reason", "changed_fields")
# The change a write committed, for reading it back from a replica (app/web/read_routing.py).
CHANGE_HEADER = "Claimbase-Change"
IfMatch = Annotated[
    str | None,
    Header(description="The ETag of the version you read (required): a stale one is 412."),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        max_length=255,
        description="Any unique string: a retry with the same key and body returns the first "
        "response instead of creating again.",
    ),
]


class RetractParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=2000, description="Why it is retracted.")


def current_row(session: Session, resource: Resource, record_id: str) -> RowMapping:
    """The record to write to: 404 if it never existed, 410 if retracted."""
    table = resource.table
    row = session.execute(select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        raise not_found(resource.name, record_id)
    if row["retracted_at"] is not None:
        raise gone(session, resource.name, row)
    return row


def check_if_match(resource: Resource, row: RowMapping, if_match: str | None) -> None:
    etag = record_etag(resource.name, row["id"], row["version"])
    if if_match is None:
        raise ApiError(
            "precondition-required",
            f"Send If-Match: {etag} (the ETag of the version you read).",
        )
    if if_match and not well_formed(if_match):
        raise invalid_parameter(
            "if-match",
            f"must be ETags in double quotes, as sent in the ETag header (If-Match: {etag}), "
            "or `*`",
            "header",
        )
    if not match(if_match, etag):
        raise ApiError(
            "precondition-failed",
            f"The {resource.name} {row['id']!r} is at version {row['version']} now; "
            "GET it again and re-apply your change.",
            headers={"ETag": etag},
        )


def written(
    request: Request, session: Session, resource: Resource, record_id: str, status: int = 200
) -> Response:
    """The record after a write, with the ETag the next write needs (never a 304)."""
    row = find_row(session, CURRENT, resource, record_id)
    response = json_response(resource.documents(session, CURRENT, [row], set())[0], status)
    etag = record_etag(resource.name, row["id"], row["version"])
    response.headers.update(validators(etag, row["updated_at"], "no-store"))
    return with_change(session, response)


def with_change(session: Session, response: Response) -> Response:
    """`Claimbase-Change`: the newest change id, read inside the write's transaction. Writers
    take turns (the write lock), so it is the change this write committed, or, for a write
    that changed nothing, the state it found."""
    response.headers[CHANGE_HEADER] = str(session.execute(NEWEST_CHANGE).scalar() or 0)
    return response


def _link_rows(resource: Resource, record_id: str, prepared: Prepared) -> list[dict[str, str]]:
    """The link-table rows of a new record (a claim's topics)."""
    rows: list[dict[str, str]] = []
    for field in resource.fields:
        if field.link is not None and prepared.links is not None:
            rows += [
                {field.link.key: record_id, field.link.value: value}
                for value in prepared.links[field.name]
            ]
    return rows


def _linked_values(prepared: Prepared) -> list[str] | None:
    """The new values of the record's link field (None: it has none)."""
    return None if prepared.links is None else next(iter(prepared.links.values()))


def _links(name: str) -> dict[str, Any]:
    """OpenAPI links from a written record to reading, correcting and retracting it: its id
    from the body, and If-Match from the ETag the write answered with."""
    record_id = {f"{name}_id": "$response.body#/id"}
    if_match = {**record_id, "header.if-match": "$response.header.ETag"}
    return {
        f"Get{name.title()}": {"operationId": f"get_{name}", "parameters": record_id},
        f"Update{name.title()}": {"operationId": f"update_{name}", "parameters": if_match},
        f"Retract{name.title()}": {"operationId": f"retract_{name}", "parameters": if_match},
    }


def resource_router(resource: Resource, collection: APIRouter | None = None) -> APIRouter:
    """The routes of `resource`, typed by the models derived from its description, with
    `collection`'s routes (a summary) registered before `/{id}`, which would otherwise take
    their path for an id."""
    schemas = SCHEMAS[resource.name]
    name, plural = resource.name, resource.plural
    router = APIRouter(tags=[plural])

    async def list_all(request: Request, session: SessionDep, params: Any) -> Response:
        return await list_records(request, session, params, resource)

    async def get_one(
        request: Request, record_id: Any, session: SessionDep, params: Any
    ) -> Response:
        include = getattr(params, "include", None)
        return get_record(
            request, session, resource, record_id, as_of=params.as_of, include=include
        )

    async def list_versions(
        request: Request,
        record_id: Any,
        session: SessionDep,
        params: Annotated[VersionListParams, Query()],
    ) -> Response:
        changes = Change.__table__
        query = select(*(changes.c[field] for field in VERSION_FIELDS)).where(
            changes.c.resource == name, changes.c.record_id == record_id
        )
        keys = parse_sort(params.sort, {"id": [changes.c.version], "version": [changes.c.version]})
        fingerprint = query_fingerprint(
            f"{name}-versions", {"record": record_id, "sort": params.sort}
        )
        after = cursor_key(params.cursor, fingerprint, keys)
        count = count_query(query) if params.count else None
        page = paginate(session, query, keys, after, params.limit, fingerprint, count)
        if not page.rows and params.cursor is None:
            raise not_found(name, record_id)
        documents = [dict(row) for row in page.rows]
        return conditional(request, list_response(request, documents, page))

    async def get_version(
        request: Request,
        record_id: Any,
        number: VersionNumber,
        session: SessionDep,
        _params: Annotated[NoParams, Query()],
    ) -> Response:
        at = session.execute(
            select(Change.at).where(
                Change.resource == name, Change.record_id == record_id, Change.version == number
            )
        ).scalar_one_or_none()
        if at is None:
            raise ApiError("not-found", f"The {name} {record_id!r} has no version {number}.")
        t = tables_at(at)
        row = find_row(session, t, resource, record_id)
        return document_response(request, session, t, resource, row, set(), IMMUTABLE)

    def create(
        request: Request,
        body: Any,
        session: SessionDep,
        caller: Writer,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        replay = idempotency.replayed(session, caller.name, idempotency_key, request, body)
        if replay is not None:
            return replay
        connection = session.connection()
        table = resource.table
        if connection.execute(select(table.c.id).where(table.c.id == body.id)).first():
            raise conflict(f"the id {body.id!r} is taken by another {name}")
        prepared = prepare(connection, resource, body, None)
        try:
            insert_new_records(
                connection,
                name,
                [prepared.values],
                at=utc_now(),
                author=caller.name,
                reason=body.reason,
                links=_link_rows(resource, body.id, prepared),
            )
            response = written(request, session, resource, body.id, 201)
            response.headers["Location"] = str(
                request.url_for(f"get_{name}", **{f"{name}_id": body.id})
            )
            idempotency.remember(session, caller.name, idempotency_key, request, body, response)
        except IntegrityError:
            # A concurrent request took the id (or the idempotency key) first, on PostgreSQL
            # where writers do not queue; the whole transaction is rolled back.
            raise conflict(f"the id {body.id!r} (or this Idempotency-Key) was just taken") from None
        return response

    def update(
        request: Request,
        record_id: Any,
        body: Any,
        session: SessionDep,
        caller: Writer,
        if_match: IfMatch = None,
    ) -> Response:
        row = current_row(session, resource, record_id)
        check_if_match(resource, row, if_match)
        connection = session.connection()
        patch = body.model_dump(exclude_unset=True)
        reason = patch.pop("reason")
        merged = merge_patch(resource.editable(connection, row), patch)
        try:
            validated = schemas.create.model_validate({**merged, "reason": reason})
        except ValidationError as error:
            raise invalid(error) from None
        prepared = prepare(connection, resource, validated, row)
        linked = _linked_values(prepared)
        same_links = linked is None or linked == topics_of(connection, record_id)
        if not changed_fields(row, prepared.values) and same_links:
            # Nothing to change is not a new version.
            return written(request, session, resource, record_id)
        try:
            update_record(
                connection,
                name,
                row,
                prepared.values,
                author=caller.name,
                reason=reason,
                topics=linked,
            )
            for statistic, span in prepared.respanned:
                update_record(
                    connection, "statistic", statistic, span, author=caller.name, reason=reason
                )
        except StaleVersionError:
            check_if_match(resource, current_row(session, resource, record_id), "")
        return written(request, session, resource, record_id)

    def retract(
        request: Request,
        record_id: Any,
        session: SessionDep,
        caller: Writer,
        params: Annotated[RetractParams, Query()],
        if_match: IfMatch = None,
    ) -> Response:
        row = current_row(session, resource, record_id)
        check_if_match(resource, row, if_match)
        connection = session.connection()
        check_no_dependents(connection, resource, record_id)
        try:
            retract_record(connection, name, row, author=caller.name, reason=params.reason)
        except StaleVersionError:
            check_if_match(resource, current_row(session, resource, record_id), "")
        retracted = find_row(session, CURRENT, resource, record_id)
        document = resource.documents(session, CURRENT, [retracted], set())[0]
        return with_change(session, json_response(document))

    # The derived models are only known now: the endpoints' annotations are set here, where
    # FastAPI reads them. The path names the id after the resource (`claim_id`).
    path_id = Annotated[str, Path(alias=f"{name}_id", **RECORD_ID)]
    for endpoint in (get_one, list_versions, get_version, update, retract):
        endpoint.__annotations__["record_id"] = path_id
    list_all.__annotations__["params"] = Annotated[schemas.list_params, Query()]
    get_one.__annotations__["params"] = Annotated[schemas.get_params, Query()]
    # Bodies are read by `json_body` (after auth), so FastAPI does not see them: the OpenAPI
    # request bodies are declared by hand, their schemas added in app/web/openapi.py.
    create.__annotations__["body"] = Annotated[
        schemas.create, json_body(schemas.create, CREATE_MEDIA_TYPES)
    ]
    update.__annotations__["body"] = Annotated[
        schemas.patch, json_body(schemas.patch, PATCH_MEDIA_TYPES)
    ]
    extras = {
        "POST": {
            **request_body(schemas.create, CREATE_MEDIA_TYPES),
            "responses": {"201": {"links": _links(name)}},
        },
        "PATCH": {
            **request_body(schemas.patch, PATCH_MEDIA_TYPES),
            "responses": {"200": {"links": _links(name)}},
        },
    }
    item = f"/{plural}/{{{name}_id}}"
    routes: list[tuple[str, Any, str, str, str, str, type[BaseModel], dict[int | str, Any]]] = [
        (f"/{plural}", list_all, "GET", f"list_{plural}", "",
         f"List {plural}, filtered, sorted and paginated by cursor.", schemas.page,
         LIST_RESPONSES),
        (item, get_one, "GET", f"get_{name}", "", f"One {name} by id.", schemas.read,
         GET_ERRORS),
        (f"{item}/versions", list_versions, "GET", f"list_{name}_versions",
         f"List a {name}'s versions, newest first", "", VersionPage, GET_ERRORS),
        (f"{item}/versions/{{number}}", get_version, "GET", f"get_{name}_version",
         f"One version of a {name}, as it was", "", schemas.read, GET_ERRORS),
        (f"/{plural}", create, "POST", f"create_{name}", f"Create a {name}", "", schemas.read,
         WRITE_ERRORS),
        (item, update, "PATCH", f"update_{name}",
         f"Correct a {name} (JSON merge patch; If-Match required)", "", schemas.read,
         WRITE_ERRORS),
        (item, retract, "DELETE", f"retract_{name}",
         f"Retract a {name} (it leaves lists; its history stays)", "", schemas.read,
         WRITE_ERRORS),
    ]  # fmt: skip
    for path, endpoint, method, operation, summary, description, model, errors in routes:
        if path == item and collection is not None and method == "GET":
            router.include_router(collection)
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            name=operation,
            summary=summary or None,
            description=description,
            status_code=201 if method == "POST" else 200,
            response_model=model,
            responses=errors,
            openapi_extra=extras.get(method),
            # Lists negotiate their formats themselves; everything else answers JSON only.
            dependencies=[] if endpoint is list_all else [JSON_ONLY_DEPENDENCY],
        )
    return router
