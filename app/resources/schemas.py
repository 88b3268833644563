"""Every shape the OpenAPI document publishes. Each resource's models are derived here, in one
place, from its description (`derive`); the envelopes all resources share are plain classes.
tests/resources/test_descriptions.py checks that descriptions, served documents and the
OpenAPI agree field for field."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from app.query.grammar import (
    CsvOptions,
    FormatChoice,
    GetParams,
    NoParams,
    RecordListParams,
    RecordScope,
    one_of_list,
    sort_pattern,
)
from app.resources.kernel import RecordMeta, Relation, Resource, resource_named, unknown_message
from app.web.negotiation import SPARSE_MEDIA_TYPE
from app.write.validation import Strict, Text

REASON = Field(
    min_length=1,
    max_length=2000,
    description="Why this change is made; kept in the record's history.",
    examples=["Corrected against the published article"],
)


class Reasoned(Strict):
    reason: Text = REASON


class PageBase(BaseModel):
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    total: int | None = Field(None, description="Records matched; present with `count=true`.")


class FacetBucket(BaseModel):
    value: str = Field(description="Pass as the facet's parameter to select this bucket.")
    label: str = Field(description="Display name (topic or speaker name, else the value).")
    count: int = Field(description="Records in this bucket under the current filters.")


@dataclass(frozen=True)
class ResourceSchemas:
    """The models derived from one resource's description."""

    list_params: type[RecordListParams]
    # The same list in another format (`/claims.csv`): the list's parameters but `format`.
    format_params: type[RecordListParams]
    csv_params: type[RecordListParams]
    get_params: type[GetParams]
    # One version of a record (`/versions/{n}`): only `fields`.
    version_params: type[NoParams]
    read: type[BaseModel]
    page: type[PageBase]
    graph: type[BaseModel]
    create: type[Reasoned]
    patch: type[Reasoned]
    # The lists at /{plural}/{id}/{relation} (a claim's reviews): the related resource's list
    # parameters, less the one the path gives.
    nested: dict[str, type[RecordListParams]]


def _title(resource: Resource) -> str:
    return resource.name.title()


def _served(resource: Resource, read_models: dict[str, str]) -> dict[str, Any]:
    """The read model's fields: each served field, each relation (embedded on request), and
    the snippet of a full-text match."""
    fields: dict[str, Any] = {
        f.name: (
            f.type if f.embedded else f.type | None,
            # A field left out where the record is embedded is not required.
            Field(description=f.description, examples=f.examples)
            if f.embedded
            else Field(None, description=f.description, examples=f.examples),
        )
        for f in resource.fields
        if f.served
    }
    for relation in resource.relations:
        other = read_models[relation.resource]
        annotation = f"list[{other}] | None" if relation.many else f"{other} | None"
        fields[relation.name] = (
            annotation,
            Field(None, description=f"Present with `include={relation.name}`."),
        )
    for added, member in resource.annotations.items():
        fields[added] = (
            member.type | None,
            Field(None, description=f"Present with `include={added}`: {member.description}"),
        )
    if resource.full_text:
        fields["snippet"] = (
            str | None,
            Field(
                None,
                description="Present with `q`: the text (or a window of it, cut at `…`) "
                "HTML-escaped, with each matching word in <mark></mark>.",
                examples=["… global <mark>semiconductor</mark> capacity …"],
            ),
        )
    return fields


def _list_params(
    resource: Resource,
) -> tuple[type[RecordListParams], type[RecordListParams], type[RecordListParams]]:
    """The list's parameters; the same without `format` for its `.ndjson` and `.jsonld`
    operations; and with CSV's options for its `.csv` operation."""
    sorts = resource.sort_names()
    relevance = (
        " relevance (only with `q`). Prefix `-` for descending. Ties are broken by id, in the "
        "direction of the last field. Default: `-relevance` with `q`, else `id`. Relevance "
        "ranks the matches in blocks of the 500 most recently added, newest block first; "
        "other sorts are exact over every match."
    )
    plain = " Prefix `-` for descending. Ties are broken by id, in the direction of the last field."
    described = ", ".join(resource.sort_notes())
    # With full-text search the default depends on `q`, so the parameter has none.
    fields: dict[str, Any] = {
        **resource.filter_parameters(),
        "sort": (
            str | None if resource.full_text else str,
            Field(
                None if resource.full_text else "id",
                pattern=sort_pattern(sorts),
                description=f"Comma-separated sort fields from: {described}"
                + (f",{relevance}" if resource.full_text else f".{plain}"),
                examples=[f"-{sorts[1]}"] if len(sorts) > 1 else None,
            ),
        ),
    }
    if resource.relations:
        fields["include"] = _include(resource)
    facets = list(resource.facets())
    if facets:
        fields["facets"] = (
            str | None,
            Field(
                None,
                pattern=one_of_list(facets),
                description=f"Add `facets`: counts per value of {', '.join(facets)} "
                "(comma-separated) under all the current filters, each with the parameter "
                "value that selects it.",
                examples=[",".join(facets)],
            ),
        )
    formats: Any = create_model(
        f"{_title(resource)}FormatParams", __base__=RecordListParams, **fields
    )
    csv: Any = create_model(f"{_title(resource)}CsvParams", __base__=(CsvOptions, formats))
    bases: Any = (FormatChoice, CsvOptions, formats)
    # Sparse records are JSON: the format operations do not take `fields`.
    listed: Any = create_model(
        f"{_title(resource)}ListParams", __base__=bases, fields=sparse_fields(resource)
    )
    models: tuple[Any, Any, Any] = (listed, formats, csv)
    return models


class LinkedNode(BaseModel):
    """A record as a JSON-LD node of schema.org terms; its other members are the terms of its
    fields (app/formats/linked_data.py)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(alias="@id", description="The record's URL.")
    identifier: str = Field(description="The record's id.")
    version: int
    dateCreated: datetime  # noqa: N815 (a schema.org term)
    dateModified: datetime  # noqa: N815


def _graph(resource: Resource) -> type[BaseModel]:
    """A page of the list as JSON-LD: the inline @context and one typed node per record."""
    node_type: Any = Literal[resource.linked_type]
    node = create_model(
        f"{_title(resource)}Node", __base__=LinkedNode, type=(node_type, Field(alias="@type"))
    )
    nodes: Any = list[node]
    graph: type[BaseModel] = create_model(
        f"{_title(resource)}Graph",
        __config__=ConfigDict(populate_by_name=True),
        context=(
            dict[str, Any],
            Field(alias="@context", description="schema.org, and the few terms it lacks."),
        ),
        graph=(nodes, Field(alias="@graph")),
    )
    return graph


def sparse_fields(resource: Resource) -> Any:
    """`fields=`: the members each record keeps (and `id`, always), validated here so that
    an unknown name gets its likely meaning rather than the pattern."""
    names = resource.field_names()
    known_names = {name: name for name in names}

    def known(value: object) -> object:
        if isinstance(value, str):
            for name in value.split(","):
                if not name:
                    raise ValueError("must name one or more fields, comma-separated, none empty")
                if name not in names:
                    suggested = unknown_message("field", name, known_names, labelled=False)
                    raise ValueError(suggested)
        return value

    return (
        Annotated[str | None, BeforeValidator(known)],
        Field(
            None,
            pattern=one_of_list(names),
            description=f"Sparse records: only these members of each {resource.name} "
            f"(comma-separated), `id` always, from: {', '.join(names)}. What `include` (and "
            f"`q`'s snippet) adds stays. Served as `{SPARSE_MEDIA_TYPE}`, whose schema is the "
            "full record's with no member required but `id`.",
            examples=[",".join(names[:3])],
        ),
    )


def _include(resource: Resource) -> Any:
    names = resource.include_names()
    return (
        str | None,
        Field(
            None,
            pattern=one_of_list(names),
            description=f"Embed related records (or add `context`, where offered): "
            f"{', '.join(names)} (comma-separated).",
            examples=[",".join(names)],
        ),
    )


def back_parameter(relation: Relation) -> str:
    """The related resource's filter parameter the owner's id is given as (`claim`)."""
    other = resource_named(relation.resource)
    assert relation.back is not None
    return next(iter(other.field(relation.back).filters[0].parameters()))


def _nested_params(
    resource: Resource, relation: Relation, params: type[RecordListParams]
) -> type[RecordListParams]:
    given = back_parameter(relation)
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in params.model_fields.items() if name != given
    }
    fields["fields"] = sparse_fields(resource_named(relation.resource))
    model: type[RecordListParams] = create_model(
        f"{_title(resource)}{relation.name.title()}ListParams", __base__=RecordListParams, **fields
    )
    return model


def _get_params(resource: Resource) -> type[GetParams]:
    fields = {"include": _include(resource)} if resource.relations else {}
    model: type[GetParams] = create_model(
        f"{_title(resource)}GetParams",
        __base__=GetParams,
        **fields,
        fields=sparse_fields(resource),
    )
    return model


def _version_params(resource: Resource) -> type[NoParams]:
    model: type[NoParams] = create_model(
        f"{_title(resource)}VersionParams", __base__=NoParams, fields=sparse_fields(resource)
    )
    return model


def fields_model(
    resource: Resource, name: str, *, base: type[Strict] = Strict, exclude: set[str] | None = None
) -> type[Strict]:
    """A strict model of the resource's editable fields (less `exclude`), with its checks:
    the create body, and the seed's entries, which name references their own way."""
    fields: dict[str, Any] = {
        f.name: f.write for f in resource.editable_fields() if f.name not in (exclude or set())
    }
    model: type[Strict] = create_model(
        name,
        __base__=base,
        __validators__=dict(resource.checks),
        **fields,
    )
    return model


def _create(resource: Resource) -> type[Reasoned]:
    validators = {**resource.checks, **resource.body_checks}
    fields: dict[str, Any] = {f.name: f.write for f in resource.editable_fields()}
    model: type[Reasoned] = create_model(
        f"{_title(resource)}Create", __base__=Reasoned, __validators__=validators, **fields
    )
    return model


def _patchable(info: FieldInfo) -> Any:
    """A field's type in a merge patch: nullable, and a nested object may be partial; its
    constraints stay (the merged record is validated against the create body again anyway)."""
    annotation: Any = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return dict[str, Any] | None
    if info.metadata:
        annotation = Annotated[annotation, *info.metadata]
    return annotation | None


def _patch(create: type[Reasoned]) -> type[Reasoned]:
    """The merge-patch body for `create`: any of its fields (null removes one), plus `reason`."""
    fields: dict[str, Any] = {
        name: (_patchable(info), Field(None, description=info.description))
        for name, info in create.model_fields.items()
        if name not in ("id", "reason")
    }
    model: type[Reasoned] = create_model(
        create.__name__.replace("Create", "Patch"),
        __base__=Reasoned,
        __doc__=f"A JSON merge patch (RFC 7396) of the fields of {create.__name__}.",
        **fields,
    )
    return model


def derive(resources: list[Resource]) -> dict[str, ResourceSchemas]:
    """Every resource's models. Read models refer to each other (a claim embeds its figures,
    a figure its claim), so they are built first and resolved together."""
    read_names = {r.name: f"{_title(r)}Read" for r in resources}
    reads: dict[str, type[BaseModel]] = {
        r.name: create_model(read_names[r.name], __base__=RecordMeta, **_served(r, read_names))
        for r in resources
    }
    namespace = {read.__name__: read for read in reads.values()}
    for read in reads.values():
        read.model_rebuild(_types_namespace=namespace)
    schemas: dict[str, ResourceSchemas] = {}
    list_params = {resource.name: _list_params(resource) for resource in resources}
    for resource in resources:
        page_fields: dict[str, Any] = {"data": (list.__class_getitem__(reads[resource.name]), ...)}
        facets = list(resource.facets())
        if facets:
            buckets: dict[str, Any] = dict.fromkeys(facets, (list[FacetBucket] | None, None))
            facets_model = create_model(f"{_title(resource)}Facets", **buckets)
            page_fields["facets"] = (
                facets_model | None,
                Field(None, description="Present with `facets=`."),
            )
        page: type[PageBase] = create_model(
            f"{_title(resource)}Page", __base__=PageBase, **page_fields
        )
        create = _create(resource)
        listed, in_format, in_csv = list_params[resource.name]
        schemas[resource.name] = ResourceSchemas(
            list_params=listed,
            format_params=in_format,
            csv_params=in_csv,
            get_params=_get_params(resource),
            version_params=_version_params(resource),
            read=reads[resource.name],
            page=page,
            graph=_graph(resource),
            create=create,
            patch=_patch(create),
            nested={
                # A nested list is JSON: its parameters are the format operations' ones.
                r.name: _nested_params(resource, r, list_params[r.resource][1])
                for r in resource.relations
                if r.route
            },
        )
    return schemas


class LatestFigure(BaseModel):
    value: float
    statistic_id: str
    period_label: str
    period_end: date


class SummaryGroup(BaseModel):
    group: dict[str, str] = Field(
        description="The value of each `group_by` field.",
        examples=[{"indicator": "gdp_growth_rate", "entity": "CHN"}],
    )
    count: int
    min: float
    max: float
    latest: LatestFigure = Field(
        description="The figure with the latest period end (the greatest id among equals)."
    )


class StatisticSummary(BaseModel):
    data: list[SummaryGroup]


def summary_params(resource: Resource, groups: list[str]) -> type[RecordScope]:
    """The summary of a resource's list: its filters, and what to group by."""
    fields: dict[str, Any] = {
        **resource.filter_parameters(),
        "group_by": (
            str,
            Field(
                pattern=one_of_list(groups),
                description=f"Comma-separated fields to group by, from: {', '.join(groups)} "
                "(its label).",
                examples=["indicator,entity"],
            ),
        ),
    }
    model: type[RecordScope] = create_model(
        f"{_title(resource)}SummaryParams", __base__=RecordScope, **fields
    )
    return model


class ReplicaHealth(BaseModel):
    """A read replica as its monitor last found it."""

    name: str = Field(examples=["replica-1"], description="By position in DATABASE_REPLICA_URLS.")
    healthy: bool = Field(description="It serves reads: it answers, and lags within the bound.")
    reachable: bool
    change_head: int = Field(description="The newest change id it has replayed.")
    lag_seconds: float | None = Field(
        description="How long ago the oldest change it has not replayed was written (0: none); "
        "null when unknown."
    )
    error: str | None = None


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    detail: str | None = None
    replicas: list[ReplicaHealth] | None = Field(
        None, description="Each read replica, when DATABASE_REPLICA_URLS names any."
    )


class VersionRead(BaseModel):
    """One version of a record: who made it, when and why."""

    version: int = Field(examples=[2])
    operation: str = Field(description="create, update or retract.", examples=["update"])
    at: datetime
    author: str = Field(description="The API key's name, or `seed`.", examples=["editor"])
    reason: str = Field(examples=["The article says 7.6 million pieces per month"])
    changed_fields: list[str] = Field(examples=[["value", "display"]])


class VersionPage(PageBase):
    data: list[VersionRead]


class ChangeRead(VersionRead):
    """One entry of the change feed: a version of any record."""

    resource: str = Field(examples=["statistic"])
    id: str = Field(examples=["chn-monthly-wafer-capacity"])
    before: dict[str, Any] | None = Field(
        description="An update's changed fields as they were (document field names and "
        "values); null for a create or a retraction.",
        examples=[{"period": {"label": "as of 2024-05-20", "start": "2024-05-20",
                              "end": "2024-05-20"}}],
    )  # fmt: skip
    after: dict[str, Any] | None = Field(
        description="An update's changed fields as they became; null for a create or a retraction.",
        examples=[{"period": {"label": "2024-05", "start": "2024-05-01", "end": "2024-05-31"}}],
    )


class ChangePage(BaseModel):
    data: list[ChangeRead]
    next_cursor: str = Field(
        description="Pass as `cursor` to continue after the last change here; always present "
        "(a feed has no end: poll with it later)."
    )


NOTES = Field(
    description="What an editor should check in this item, and why the drafter is unsure "
    "(empty when it is confident).",
    examples=[["no attribution of its own: read as Michael Dunford's, who spoke last"]],
)


def draft_model(
    resource: Resource,
    read: type[BaseModel],
    *,
    leave_out: frozenset[str] = frozenset(),
    unknown: frozenset[str] = frozenset(),
    extra: dict[str, Any] | None = None,
) -> type[BaseModel]:
    """A drafted record, shaped as `read` (the resource's read model) without what only a
    stored record has (version, timestamps, embedded relations, its computed location, a
    search snippet): its fields as they are served, `unknown` ones nullable (the drafter may
    not find them), plus `notes` and `extra`."""
    dropped = {
        *RecordMeta.model_fields,
        *(r.name for r in resource.relations),
        *resource.annotations,
        *(f.name for f in resource.fields if f.computed is not None),
        "snippet",
    }
    fields: dict[str, Any] = {}
    for name, info in read.model_fields.items():
        if name in dropped or name in leave_out:
            continue
        annotation: Any = info.annotation
        if name in unknown:
            annotation = annotation | None
        fields[name] = (annotation, Field(description=info.description, examples=info.examples))
    fields.update(extra or {})
    fields["notes"] = (list[str], NOTES)
    model: type[BaseModel] = create_model(f"Draft{_title(resource)}", **fields)
    return model
