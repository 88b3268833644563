"""One router per resource, made from its description: reads (list, get, versions, a version)
and writes (create, merge patch, retract), with operation ids like `list_claims` and
`update_claim`."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, RowMapping, select
from sqlalchemy.exc import IntegrityError

from app.query.grammar import RECORD_ID, Text, VersionListParams, VersionNumber
from app.query.keyset import count_query, cursor_key, paginate, parse_sort, query_fingerprint
from app.query.reads import (
    chosen_fields,
    document_response,
    find_row,
    get_record,
    gone,
    list_records,
    sparse_is_json_only,
)
from app.resources import SCHEMAS
from app.resources.kernel import Prepared, Relation, Resource, resource_named
from app.resources.schemas import VersionPage, back_parameter
from app.routes.flat import add_routes
from app.store.engine import ReaderDep, SessionDep
from app.store.models import Change, utc_now
from app.store.temporal import CURRENT, tables_at
from app.web.conditional import (
    IMMUTABLE,
    NEWEST_CHANGE,
    conditional,
    match,
    names_a_sparse_tag,
    record_etag,
    validators,
    well_formed,
)
from app.web.deprecation import DEPRECATED_PARAMETERS, FORMAT_PARAMETER, announce_parameter
from app.web.negotiation import (
    FORMAT_SUFFIXES,
    JSON_ONLY_DEPENDENCY,
    MEDIA_TYPES,
    RECORD_DEPENDENCY,
    accepting,
    accepts_record,
)
from app.web.problems import ApiError, conflict, invalid_parameter, not_found
from app.web.responses import (
    FORMAT_RESPONSES,
    GET_ERRORS,
    LIST_RESPONSES,
    WRITE_ERRORS,
    json_response,
    list_response,
    problems,
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


def current_row(connection: Connection, resource: Resource, record_id: str) -> RowMapping:
    """The record to write to: 404 if it never existed, 410 if retracted."""
    table = resource.table
    row = connection.execute(select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        raise not_found(resource.name, record_id)
    if row["retracted_at"] is not None:
        raise gone(connection, resource.name, row)
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
            f"If-Match names a sparse record's ETag (from `fields=`); send the whole "
            f"record's, If-Match: {etag}."
            if names_a_sparse_tag(if_match, etag)
            else f"The {resource.name} {row['id']!r} is at version {row['version']} now; "
            "GET it again and re-apply your change.",
            headers={"ETag": etag},
        )


def written(
    request: Request,
    connection: Connection,
    resource: Resource,
    record_id: str,
    status: int = 200,
) -> Response:
    """The record after a write, with the ETag the next write needs (never a 304)."""
    row = find_row(connection, CURRENT, resource, record_id)
    response = json_response(resource.documents(connection, CURRENT, [row], set())[0], status)
    etag = record_etag(resource.name, row["id"], row["version"])
    response.headers.update(validators(etag, row["updated_at"], "no-store"))
    return with_change(connection, response)


def with_change(connection: Connection, response: Response) -> Response:
    """`Claimbase-Change`: the newest change id, read inside the write's transaction. Writers
    take turns (the write lock), so it is the change this write committed, or, for a write
    that changed nothing, the state it found."""
    response.headers[CHANGE_HEADER] = str(connection.execute(NEWEST_CHANGE).scalar() or 0)
    return response


def format_redirect(request: Request, operation: str, media: str) -> Response:
    """The old `format=`: a 308 to the same query at the format's own path (relative, so it
    names no host), announced as deprecated."""
    query = request.url.remove_query_params("format").query
    path = request.url.path + FORMAT_SUFFIXES.get(media, "")
    response = Response(status_code=308, headers={"Location": f"{path}?{query}" if query else path})
    announce_parameter(response, operation, "format")
    return response


def _format_content(media: str, name: str) -> dict[str, Any]:
    """The 200 of a list's export: its media type, and the text it is."""
    what = {
        "csv": f"CSV (RFC 4180) with a header row, a line per {name} the query matches.",
        "ndjson": f"A JSON document per line, as in the JSON list, per {name} it matches.",
    }[media]
    schema = {"type": "string", "contentMediaType": MEDIA_TYPES[media], "description": what}
    return {"200": {"content": {MEDIA_TYPES[media]: {"schema": schema}}}}


class CsvResponse(Response):
    media_type = MEDIA_TYPES["csv"]


class NdjsonResponse(Response):
    media_type = MEDIA_TYPES["ndjson"]


class JsonLdResponse(JSONResponse):
    media_type = MEDIA_TYPES["jsonld"]


FORMAT_RESPONSE_CLASSES: dict[str, type[Response]] = {
    "csv": CsvResponse,
    "ndjson": NdjsonResponse,
    "jsonld": JsonLdResponse,
}


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

    async def list_all(request: Request, connection: ReaderDep, params: Any) -> Response:
        # Read without the DeprecationWarning pydantic gives code that reads a deprecated field.
        chosen = params.model_dump(include={"format"})["format"]
        if chosen not in (None, "json") and getattr(params, "fields", None) is not None:
            # Refused here rather than at the format's path the redirect would lead to.
            raise sparse_is_json_only()
        if chosen is not None:
            return format_redirect(request, f"list_{plural}", chosen)
        return await list_records(request, connection, params, resource)

    def in_format(media: str) -> Any:
        async def list_in_format(request: Request, connection: ReaderDep, params: Any) -> Response:
            return await list_records(request, connection, params, resource, media)

        params = schemas.csv_params if media == "csv" else schemas.format_params
        list_in_format.__annotations__["params"] = Annotated[params, Query()]
        return list_in_format

    async def get_one(
        request: Request, record_id: Any, connection: ReaderDep, params: Any
    ) -> Response:
        include = getattr(params, "include", None)
        return get_record(
            request,
            connection,
            resource,
            record_id,
            as_of=params.as_of,
            include=include,
            fields=params.fields,
        )

    def nested_list(relation: Relation) -> Any:
        other = resource_named(relation.resource)
        given = back_parameter(relation)

        async def list_related(
            request: Request, record_id: Any, connection: ReaderDep, params: Any
        ) -> Response:
            table = resource.table
            if (
                connection.execute(select(table.c.id).where(table.c.id == record_id)).first()
                is None
            ):
                raise not_found(name, record_id)
            asked = params.model_dump(exclude_unset=True)
            full = SCHEMAS[other.name].list_params.model_validate({**asked, given: record_id})
            return await list_records(request, connection, full, other)

        list_related.__annotations__["record_id"] = path_id
        list_related.__annotations__["params"] = Annotated[schemas.nested[relation.name], Query()]
        return list_related

    async def list_versions(
        request: Request,
        record_id: Any,
        connection: ReaderDep,
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
        page = paginate(connection, query, keys, after, params.limit, fingerprint, count)
        if not page.rows and params.cursor is None:
            raise not_found(name, record_id)
        documents = [dict(row) for row in page.rows]
        return conditional(request, list_response(request, documents, page))

    async def get_version(
        request: Request,
        record_id: Any,
        number: VersionNumber,
        connection: ReaderDep,
        params: Any,
    ) -> Response:
        fields = chosen_fields(params.fields)
        accepts_record(request.headers.get("accept"), sparse=fields is not None)
        at = connection.execute(
            select(Change.at).where(
                Change.resource == name, Change.record_id == record_id, Change.version == number
            )
        ).scalar_one_or_none()
        if at is None:
            raise ApiError("not-found", f"The {name} {record_id!r} has no version {number}.")
        t = tables_at(at)
        row = find_row(connection, t, resource, record_id)
        return document_response(request, connection, t, resource, row, set(), IMMUTABLE, fields)

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
            response = written(request, connection, resource, body.id, 201)
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
        connection = session.connection()
        row = current_row(connection, resource, record_id)
        check_if_match(resource, row, if_match)
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
            return written(request, connection, resource, record_id)
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
            check_if_match(resource, current_row(connection, resource, record_id), "")
        return written(request, connection, resource, record_id)

    def retract(
        request: Request,
        record_id: Any,
        session: SessionDep,
        caller: Writer,
        params: Annotated[RetractParams, Query()],
        if_match: IfMatch = None,
    ) -> Response:
        connection = session.connection()
        row = current_row(connection, resource, record_id)
        check_if_match(resource, row, if_match)
        check_no_dependents(connection, resource, record_id)
        try:
            retract_record(connection, name, row, author=caller.name, reason=params.reason)
        except StaleVersionError:
            check_if_match(resource, current_row(connection, resource, record_id), "")
        retracted = find_row(connection, CURRENT, resource, record_id)
        document = resource.documents(connection, CURRENT, [retracted], set())[0]
        return with_change(connection, json_response(document))

    # The derived models are only known now: the endpoints' annotations are set here, where
    # FastAPI reads them. The path names the id after the resource (`claim_id`).
    path_id: Any = Annotated[str, Path(alias=f"{name}_id", **RECORD_ID)]
    for endpoint in (get_one, list_versions, get_version, update, retract):
        endpoint.__annotations__["record_id"] = path_id
    list_all.__annotations__["params"] = Annotated[schemas.list_params, Query()]
    get_one.__annotations__["params"] = Annotated[schemas.get_params, Query()]
    get_version.__annotations__["params"] = Annotated[schemas.version_params, Query()]
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
         f"List {plural}, filtered, sorted and paginated by cursor. The same list in another "
         f"format is an operation of its own: `/{plural}.csv`, `.ndjson` or `.jsonld`.",
         schemas.page,
         LIST_RESPONSES),
        (item, get_one, "GET", f"get_{name}", "", f"One {name} by id.", schemas.read,
         GET_ERRORS),
        (f"{item}/versions", list_versions, "GET", f"list_{name}_versions",
         f"List a {name}'s versions, newest first",
         f"Every version of the {name} (create, corrections, retraction): who made it, when, "
         "why and which fields it changed; paginated by cursor.", VersionPage, GET_ERRORS),
        (f"{item}/versions/{{number}}", get_version, "GET", f"get_{name}_version",
         f"One version of a {name}, as it was",
         f"The {name} as the given version left it; a version never changes, so it may be "
         "cached for a year.", schemas.read, GET_ERRORS),
        (f"/{plural}", create, "POST", f"create_{name}", f"Create a {name}",
         f"Create a {name} under the id its body names (a write key is needed); "
         "Idempotency-Key makes a retry safe.", schemas.read, WRITE_ERRORS),
        (item, update, "PATCH", f"update_{name}",
         f"Correct a {name} (JSON merge patch; If-Match required)",
         f"Correct the {name} with a JSON merge patch (RFC 7396) and a reason: a new version, "
         "the old one kept in its history. If-Match must name the version you read.",
         schemas.read, WRITE_ERRORS),
        (item, retract, "DELETE", f"retract_{name}",
         f"Retract a {name} (it leaves lists; its history stays)",
         f"Retract the {name}, with a reason: it leaves lists and answers 410, while its "
         "versions stay readable. If-Match must name the version you read.", schemas.read,
         WRITE_ERRORS),
    ]  # fmt: skip
    nested = {relation.name: nested_list(relation) for relation in resource.relations
              if relation.route}  # fmt: skip
    listing = {list_all, *nested.values()}
    routes += [
        (f"{item}/{relation.name}", nested[relation.name], "GET",
         f"list_{name}_{relation.name}", "",
         f"List a {name}'s {relation.name}, filtered, sorted and paginated like "
         f"list_{relation.name}.", SCHEMAS[relation.resource].page,
         {**LIST_RESPONSES, **problems("not-found")})
        for relation in resource.relations
        if relation.name in nested
    ]  # fmt: skip
    # Lists negotiate their formats themselves; a record may be sparse; everything else
    # answers JSON only.
    accepted = {get_one: RECORD_DEPENDENCY, get_version: RECORD_DEPENDENCY}
    for path, endpoint, method, operation, summary, description, model, errors in routes:
        if path == item and collection is not None and method == "GET":
            add_routes(router, collection)
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
            dependencies=[]
            if endpoint in listing
            else [accepted.get(endpoint, JSON_ONLY_DEPENDENCY)],
        )
        if endpoint is list_all:
            _add_format_routes(router, resource, in_format)
    return router


def _add_format_routes(router: APIRouter, resource: Resource, in_format: Any) -> None:
    """`/claims.csv`, `.ndjson` and `.jsonld`: the list in each other format, with the same
    parameters, each declaring its own media type (JSON stays the list's only one)."""
    plural, graph = resource.plural, SCHEMAS[resource.name].graph
    DEPRECATED_PARAMETERS[(f"list_{plural}", "format")] = FORMAT_PARAMETER
    exports = {
        "csv": "as CSV: the whole filtered collection, streamed (`limit` is the size of the "
        "batches read from the database; no cursor is needed).",
        "ndjson": "as NDJSON: the whole filtered collection, streamed, one document a line "
        "(`limit` is the size of the batches read).",
        "jsonld": "as JSON-LD with schema.org terms and an inline @context: a page, as the JSON "
        "list's, the next one linked by `Link`.",
    }
    for media, description in exports.items():
        router.add_api_route(
            f"/{plural}{FORMAT_SUFFIXES[media]}",
            in_format(media),
            methods=["GET"],
            name=f"list_{plural}_{media}",
            summary=f"List {plural} as {media.upper() if media != 'jsonld' else 'JSON-LD'}",
            description=f"The list of {plural}, with the same parameters, {description}",
            response_model=graph if media == "jsonld" else None,
            response_class=FORMAT_RESPONSE_CLASSES[media],
            responses={**FORMAT_RESPONSES},
            openapi_extra=None
            if media == "jsonld"
            else {"responses": _format_content(media, resource.name)},
            dependencies=[accepting(media)],
        )
