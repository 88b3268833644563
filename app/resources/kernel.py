"""The resource kernel: the types a resource is described with (its fields, and how each
filters, sorts, facets, embeds, edits and exports), and the plain functions that derive from
a description its SQL, its documents and its CSV columns. The pydantic models derived from
the same descriptions are in `app.resources.schemas`."""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from difflib import get_close_matches
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydanticField
from pydantic.fields import FieldInfo
from sqlalchemy import (
    BindParameter,
    Connection,
    RowMapping,
    Select,
    Table,
    bindparam,
    distinct,
    func,
    select,
)
from sqlalchemy.sql.visitors import cloned_traverse

from app.query.filters import (
    Bindings,
    Clause,
    Column,
    Filter,
    FullText,
    Link,
    Parameters,
    Tagged,
    any_of,
    split_list,
)
from app.store.temporal import CURRENT, RESOURCE_TABLES, Tables
from app.web.problems import invalid_parameter
from app.write.versioning import Row

Document = dict[str, Any]
# A field's type in write bodies, as pydantic's create_model takes it: (annotation, field).
Editable = tuple[Any, Any]


class RecordMeta(BaseModel):
    """What every record's document carries besides its own fields."""

    version: int = PydanticField(
        description="1 for a new record; each change adds one.", examples=[1]
    )
    created_at: datetime
    updated_at: datetime = PydanticField(description="When this version was made.")
    retracted_at: datetime | None = PydanticField(
        None,
        description="Set when the record was retracted (listed only with "
        "`include_retracted=true`).",
    )


class Span(BaseModel):
    """Character offsets `[start, end)` into the source's `text` (Unicode code points)."""

    start: int = PydanticField(ge=0, examples=[3020])
    end: int = PydanticField(gt=0, examples=[3330])


META = tuple(RecordMeta.model_fields)


@dataclass(frozen=True)
class Sort:
    """The field sorts lists as `name`, by these columns in turn."""

    name: str
    columns: tuple[str, ...]
    # What the order is, where the name alone does not say.
    note: str = ""


@dataclass(frozen=True)
class Facet:
    """`facets=name` counts records per value of the field; `label` names the resource whose
    `name` labels each value (else the value labels itself)."""

    name: str
    label: str | None = None


@dataclass(frozen=True)
class Term:
    """The field in JSON-LD: the schema.org property `name`; `node` wraps each value in a node
    of that type (under `key`); `parts` maps a nested field's parts to properties; `reference`
    makes the value a link to that resource's record."""

    name: str = ""
    node: str | None = None
    key: str = "name"
    parts: Mapping[str, str] = field(default_factory=dict)
    reference: str | None = None
    # False: left out where the record is embedded in another's node (a source's text).
    nested: bool = True


@dataclass(frozen=True)
class Label:
    """In CSV, a field naming a record is followed by that record's `field` (a speaker's
    name, a source's title), in the column `{resource}_{field}`, for a person reading it."""

    resource: str
    field: str

    @property
    def column(self) -> str:
        return f"{self.resource}_{self.field}"


Records = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Computed:
    """A field computed for a batch of records from their own fields (a claim's section, from
    its source's outline and its span): `compute` runs once per batch for all the fields that
    share it, given each record's columns and fields; `pick` takes one field's value from
    what it gave for one record."""

    compute: Callable[[Connection, Tables, Records], Sequence[Any]]
    pick: Callable[[Any], Any]


@dataclass(frozen=True)
class Annotation:
    """`include=<name>` adds a member computed like a `Computed` field (a claim's context)."""

    type: Any
    description: str
    computed: Computed


@dataclass(frozen=True)
class Field:
    """One member of a resource's documents, and everything the API does with it.

    Where the value comes from, one of: its own `column` (default: the field's name); `parts`,
    a nested object built from columns (`span` from span_start and span_end); `via`, the same
    field of the record named by one of the resource's relations; `link`, a list in a link
    table. `served=False` is a write-only field (a claim's `occurrence`).
    """

    name: str
    type: Any = None
    description: str | None = None
    examples: list[Any] | None = None
    column: str | None = None
    parts: Mapping[str, str] | None = None
    via: str | None = None
    link: Link | None = None
    served: bool = True
    # Queries: filters (each a query parameter or a few), the sort it offers, its facet.
    filters: tuple[Filter, ...] = ()
    sort: Sort | None = None
    facet: Facet | None = None
    # Writes: its type in create bodies (None: not editable); `reference`, the resource whose
    # record it names (checked on write; a record so named cannot be retracted).
    write: Editable | None = None
    reference: str | None = None
    term: Term | None = None
    label: Label | None = None
    # Computed for each batch of records, not stored (read-only).
    computed: Computed | None = None
    # False: left out where the record is embedded in another's document (a source's text
    # in a claim's `include=source`), unless `include=<relation>.<field>` asks for it.
    embedded: bool = True

    @property
    def stored_as(self) -> str:
        """Its column name (for a field with a column of its own)."""
        return self.column or self.name

    @property
    def own_column(self) -> bool:
        return (
            self.served
            and self.parts is None
            and self.via is None
            and self.link is None
            and self.computed is None
        )

    def csv_columns(self) -> tuple[str, ...]:
        """A nested object is flattened into its columns (span -> span_start, span_end); a
        labelled id is followed by its label."""
        if self.parts:
            return tuple(self.parts.values())
        return (self.name, self.label.column) if self.label else (self.name,)


@dataclass(frozen=True)
class Relation:
    """`include=name` embeds related records: the one named by the field `key`, or (`back`)
    every live record of `resource` whose field `back` names this one; `route` also lists
    those at `/{plural}/{id}/{name}` (a claim's reviews)."""

    name: str
    resource: str
    key: str | None = None
    back: str | None = None
    route: bool = False

    @property
    def many(self) -> bool:
        return self.back is not None


@dataclass
class Prepared:
    """A validated body as row values, its link values (None: not a link resource), and other
    records the write moves with it (a claim's figures, re-spanned)."""

    values: Row
    links: dict[str, list[str]] | None = None
    respanned: list[tuple[RowMapping, Row]] = field(default_factory=list)


@dataclass(frozen=True)
class Write:
    """One write as a resource's own rules see it, after the generic ones: the body's fields,
    the row values so far (to complete), the current row (None: a create) and the live records
    its references name, by field."""

    connection: Connection
    body: dict[str, Any]
    prepared: Prepared
    current: RowMapping | None
    referenced: dict[str, RowMapping]


Preparer = Callable[[Write], None]
# A pydantic validator (`field_validator(...)(function)`, `model_validator(...)(function)`).
BodyCheck = Any

_REGISTERED: dict[str, "Resource"] = {}


def resource_named(name: str) -> "Resource":
    """A described resource by its singular name (each registers itself when described)."""
    return _REGISTERED[name]


@dataclass(frozen=True, eq=False)
class Resource:
    """A versioned resource, described once; the methods derive the rest from `fields`."""

    name: str
    plural: str
    summary: str
    fields: tuple[Field, ...]
    relations: tuple[Relation, ...] = ()
    # The schema.org type of its JSON-LD nodes, and properties no single field gives.
    linked_type: str = "Thing"
    linked_extra: Callable[[Any, Document], Document] | None = None
    # The relations its JSON-LD nodes need embedded.
    linked_includes: frozenset[str] = frozenset()
    # What `include=` adds besides related records.
    annotations: Mapping[str, Annotation] = field(default_factory=dict)
    # Writes: pydantic validators beyond each field's type: `checks` wherever its fields are
    # validated (write bodies and seed files), `body_checks` on write bodies only (they read
    # references, which the seed names its own way). Then the row values a body's fields do
    # not give by themselves (spans, hashes).
    checks: Mapping[str, BodyCheck] = field(default_factory=dict)
    body_checks: Mapping[str, BodyCheck] = field(default_factory=dict)
    prepare: Preparer | None = None
    # A vocabulary (entities, indicators, units): the field that names each of its records
    # in suggestions; filters on fields that reference it accept only its ids.
    vocabulary: str | None = None

    def __post_init__(self) -> None:
        _REGISTERED[self.name] = self

    # --- where it is stored -------------------------------------------------------------

    @property
    def table(self) -> Table:
        return RESOURCE_TABLES[self.name][0]

    def query(self, t: Tables) -> Select[Any]:
        """Its own columns, nothing joined: filters, sorts and counts stay on its indexes."""
        return select(t.of(self.name))

    def by_id(self, t: Tables) -> Select[Any]:
        """One record: its own columns where `id` is the bound `record_id`."""

        def build() -> Select[Any]:
            query = self.query(t)
            return query.where(query.selected_columns.id == bindparam("record_id"))

        return shaped(("by_id", self.name), t, build)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def relation(self, name: str) -> Relation:
        return next(r for r in self.relations if r.name == name)

    # --- queries --------------------------------------------------------------------------

    def filter_parameters(self) -> Parameters:
        """Every filter's query parameters, in the order of the fields."""
        return {
            name: spec for f in self.fields for kind in f.filters for name, spec in
            kind.parameters().items()
        }  # fmt: skip

    def filter_bindings(self, params: Any) -> Bindings:
        """The values of every filter `params` sets, by the names they are bound as."""
        return {
            name: value for f in self.fields for kind in f.filters for name, value in
            kind.bindings(params).items()
        }  # fmt: skip

    def filter_clauses(
        self, t: Tables, values: Mapping[str, Any], *, nested: bool = False
    ) -> list[Clause]:
        """Every filter of `values` (`filter_bindings`), as SQL (full-text search ranks in the
        listing instead, unless `nested`)."""
        return [
            clause
            for f in self.fields
            for kind in f.filters
            for clause in kind.clauses(t, self._column(t, f), values, nested=nested)
        ]

    def vocabulary_parameters(self) -> dict[str, "Resource"]:
        """The filter parameters of fields that name a vocabulary's records (a statistic's
        `entity`), each with that vocabulary."""
        return {
            param: resource_named(f.reference)
            for f in self.fields
            if f.reference is not None and resource_named(f.reference).vocabulary is not None
            for kind in f.filters
            for param in kind.parameters()
        }

    def check_vocabularies(self, connection: Connection, params: Any) -> None:
        """Those parameters take only the vocabulary's ids: any other value is a 400
        suggesting the ids it may mean."""
        for param, vocabulary in self.vocabulary_parameters().items():
            given = getattr(params, param, None)
            if given is not None:
                check_known(connection, vocabulary, param, given)

    def _column(self, t: Tables, f: Field) -> Column:
        table = t.of(self.name).c
        return table.id if f.link is not None else table[f.stored_as]

    @property
    def full_text(self) -> bool:
        """Its `q` is full-text search of its own text: ranked, each match with a snippet."""
        return any(isinstance(kind, FullText) for f in self.fields for kind in f.filters)

    def sort_fields(self, t: Tables) -> dict[str, list[Column]]:
        """Sort name -> columns; `id` first, the tie-breaker of every order."""
        table = t.of(self.name).c
        sorts: dict[str, list[Column]] = {"id": [table.id]}
        for f in self.fields:
            if f.sort is not None:
                sorts[f.sort.name] = [table[column] for column in f.sort.columns]
        return sorts

    def sort_names(self) -> list[str]:
        names = [f.sort.name for f in self.fields if f.sort is not None]
        return ["id", *names, *(["relevance"] if self.full_text else [])]

    def sort_notes(self) -> list[str]:
        """Each sort name, with what its order is where the name alone does not say."""
        notes = [
            f"{f.sort.name} ({f.sort.note})" if f.sort.note else f.sort.name
            for f in self.fields
            if f.sort is not None
        ]
        return ["id", *notes]

    def facets(self) -> dict[str, Field]:
        return {f.facet.name: f for f in self.fields if f.facet is not None}

    def field_names(self) -> list[str]:
        """The members `fields=` chooses from: the served fields and the version metadata (what
        `include=` and `q` add is theirs to add)."""
        return [*(f.name for f in self.fields if f.served), *META]

    def include_names(self) -> list[str]:
        """Relations, annotations, and each embedded record's field left out unless asked."""
        asked = [
            f"{relation.name}.{f.name}"
            for relation in self.relations
            for f in resource_named(relation.resource).fields
            if not f.embedded
        ]
        return [*(relation.name for relation in self.relations), *self.annotations, *asked]

    def count_statement(
        self, t: Tables, values: Mapping[str, Any], *, include_retracted: bool
    ) -> Select[Any] | None:
        """count=true of a list filtered by one linked value (claims by topic), counted from
        the link rows, which copy the columns the usual filters need (a claim's speaker and
        retraction): a range of one index instead of a probe per record. Every other filter
        still applies, through a join. None where the copies cannot answer: `as_of` (past
        links carry none), full-text `q` (the search ranks and counts its own matches), or no
        linked value asked."""
        tagged = [
            kind
            for f in self.fields
            for kind in f.filters
            if isinstance(kind, Tagged) and kind.param in values
        ]
        searching = any(
            isinstance(kind, FullText) and kind.param in values
            for f in self.fields
            for kind in f.filters
        )
        if len(tagged) != 1 or t.as_of is not None or searching:
            return None
        by = tagged[0]
        links = getattr(t, by.link.table).c
        wanted = values[by.param]
        # A record has each value once, so only several values can count a record twice.
        several = isinstance(wanted, list)
        counted = func.count(distinct(links[by.link.key])) if several else func.count()
        query = select(counted).where(*any_of(links[by.link.value], by.param, wanted))
        if not include_retracted:
            query = query.where(links.retracted_at.is_(None))
        others: list[Clause] = []
        for f in self.fields:
            for kind in f.filters:
                if kind is by:
                    continue
                if f.own_column and f.stored_as in by.link.copies:
                    query = query.where(*kind.clauses(t, links[f.stored_as], values, nested=False))
                else:
                    others += kind.clauses(t, self._column(t, f), values, nested=False)
        link_table = getattr(t, by.link.table)
        if not others:
            return query.select_from(link_table)
        record = t.of(self.name)
        joined = link_table.join(record, record.c.id == links[by.link.key])
        return query.select_from(joined).where(*others)

    # --- documents ------------------------------------------------------------------------

    def documents(
        self, connection: Connection, t: Tables, rows: Sequence[RowMapping], include: set[str]
    ) -> list[Document]:
        """Rows into documents: each served field in order, then the version metadata; then
        the related records `include` names, embedded."""
        ids = [row["id"] for row in rows]
        linked = {
            f.name: link_values(connection, t, f.link, ids)
            for f in self.fields
            if f.link is not None
        }
        # Each relation's key field, looked up once for the page, not per row and field.
        via_keys = self._via_keys()
        borrowed = {
            via: self._borrowed(connection, t, via, (row[key] for row in rows))
            for via, key in via_keys.items()
        }
        plan = _document_plan(self)
        documents: list[Document] = []
        for row in rows:
            document: Document = {}
            for name, source, value in plan:
                if source is _OWN:
                    document[name] = row[value]
                elif source is _PARTS:
                    document[name] = {part: row[column] for part, column in value}
                elif source is _VIA:
                    document[name] = borrowed[value][row[via_keys[value]]][name]
                elif source is _LINK:
                    document[name] = linked[name].get(row["id"], [])
                else:
                    document[name] = None  # computed below, for the whole page at once
            documents.append(document)
        computed = [
            (name, computed)
            for name, computed in (
                *((f.name, f.computed) for f in self.fields if f.computed is not None),
                *((name, a.computed) for name, a in self.annotations.items() if name in include),
            )
        ]
        if computed and documents:
            records = [{**row, **document} for row, document in zip(rows, documents, strict=True)]
            for name, values in _compute(connection, t, computed, records).items():
                for document, value in zip(documents, values, strict=True):
                    document[name] = value
        for relation in self.relations:
            prefix = f"{relation.name}."
            asked = {name.removeprefix(prefix) for name in include if name.startswith(prefix)}
            if relation.name in include or asked:
                self._embed(connection, t, relation, documents, asked)
        return documents

    def _via_keys(self) -> dict[str, str]:
        """Each relation fields are borrowed through -> the field holding its record's id."""
        keys: dict[str, str] = {}
        for via in {f.via for f in self.fields if f.via is not None}:
            key = self.relation(via).key
            assert key is not None
            keys[via] = key
        return keys

    def _borrowed(
        self, connection: Connection, t: Tables, via: str, ids: Iterable[str | None]
    ) -> dict[str, RowMapping]:
        """The fields borrowed through relation `via` from the records `ids` name, in one
        query (for a page of documents and a batch of CSV rows alike)."""

        def build() -> Select[Any]:
            names = [f.name for f in self.fields if f.via == via]
            other = t.of(self.relation(via).resource).c
            return among(select(other.id, *(other[name] for name in names)))

        return rows_by_id(connection, shaped(("borrowed", self.name, via), t, build), ids)

    def _embed(
        self,
        connection: Connection,
        t: Tables,
        relation: Relation,
        documents: list[Document],
        asked: set[str],
    ) -> None:
        """Embeds each document's related records, less their fields not `embedded` unless
        `asked` names them."""
        other = resource_named(relation.resource)
        left_out = {f.name for f in other.fields if not f.embedded} - asked

        def embedded(rows: list[RowMapping]) -> list[Document]:
            found = other.documents(connection, t, rows, set())
            return [{k: v for k, v in d.items() if k not in left_out} for d in found]

        if relation.back is not None:
            by_owner: dict[str, list[Document]] = defaultdict(list)
            ids = [document["id"] for document in documents]
            if ids:
                table = t.of(other.name).c
                rows = connection.execute(
                    other.query(t)
                    .where(among_ids(table[relation.back]), table.retracted_at.is_(None))
                    .order_by(table.id),
                    {"ids": ids},
                ).mappings()
                for record in embedded(list(rows)):
                    by_owner[record[relation.back]].append(record)
            for document in documents:
                document[relation.name] = by_owner[document["id"]]
            return
        key = relation.key
        assert key is not None
        selected = shaped(("embedded", other.name), t, lambda: among(other.query(t)))
        found = rows_by_id(connection, selected, (d[key] for d in documents))
        embedded_by_id = {document["id"]: document for document in embedded(list(found.values()))}
        for document in documents:
            document[relation.name] = embedded_by_id.get(document[key])

    def sparse(self, documents: list[Document], fields: frozenset[str] | None) -> None:
        """Leaves in each document only the members `fields` names, `id` (always), and what
        `include=` and `q` added."""
        if fields is None:
            return
        left_out = set(self.field_names()) - fields - {"id"}
        for document in documents:
            for name in left_out:
                document.pop(name, None)

    # --- exports --------------------------------------------------------------------------

    def csv_columns(self) -> tuple[str, ...]:
        return (*(c for f in self.fields if f.served for c in f.csv_columns()), *META)

    def derived_columns(
        self, connection: Connection, t: Tables, columns: Mapping[str, Sequence[Any]]
    ) -> dict[str, list[Any]]:
        """The CSV columns a batch of rows does not hold itself (borrowed and linked
        fields), from the batch's own columns, one query per source."""
        ids = columns["id"]
        derived: dict[str, list[Any]] = {}
        for f in self.fields:
            if f.link is not None:
                values = link_values(connection, t, f.link, ids)
                derived[f.name] = [values.get(record_id, []) for record_id in ids]
        for via, key in self._via_keys().items():
            found = self._borrowed(connection, t, via, columns[key])
            for name in (f.name for f in self.fields if f.via == via):
                derived[name] = [found[value][name] for value in columns[key]]
        computed = [(f.name, f.computed) for f in self.fields if f.computed is not None]
        if computed:
            known = {**columns, **derived}
            rows = zip(*known.values(), strict=True)
            records = [dict(zip(known, values, strict=True)) for values in rows]
            derived.update(_compute(connection, t, computed, records))
        for f in self.fields:
            if f.label is not None:
                named = derived[f.name] if f.name in derived else columns[f.name]
                other = t.of(f.label.resource).c
                labeled = among(select(other.id, other[f.label.field]))
                labels = rows_by_id(connection, labeled, named)
                derived[f.label.column] = [
                    labels[value][f.label.field] if value in labels else None for value in named
                ]
        return derived

    # --- writes ---------------------------------------------------------------------------

    def editable_fields(self) -> list[Field]:
        return [f for f in self.fields if f.write is not None]

    def editable(self, connection: Connection, row: RowMapping) -> Document:
        """The record as a create body (without `reason`): what a merge patch applies to."""
        document: Document = {"id": row["id"]}
        for f in self.editable_fields():
            if not f.served or f.name == "id":
                continue
            if f.link is not None:
                values = link_values(connection, CURRENT, f.link, [row["id"]])
                document[f.name] = values.get(row["id"], [])
            elif f.parts is not None:
                document[f.name] = {p: _json_value(row[c]) for p, c in f.parts.items()}
            else:
                document[f.name] = _json_value(row[f.stored_as])
        return document

    def values(self, body: BaseModel) -> Prepared:
        """A validated body's fields as row values and link values."""
        values: Row = {}
        links: dict[str, list[str]] | None = None
        for f in self.editable_fields():
            value = getattr(body, f.name)
            if not f.served:
                continue
            if f.link is not None:
                links = {**(links or {}), f.name: sorted(value)}
            elif f.parts is not None:
                for part, column in f.parts.items():
                    values[column] = getattr(value, part)
            else:
                values[f.stored_as] = value.value if isinstance(value, StrEnum) else value
        return Prepared(values, links)

    def references(self) -> list[Field]:
        return [f for f in self.fields if f.reference is not None]

    def dependents(self) -> list[tuple["Resource", Field]]:
        """The fields of other resources that name records of this one: such a record is not
        retracted while a live record names it."""
        return [
            (other, f)
            for other in _REGISTERED.values()
            for f in other.fields
            if f.reference == self.name or (f.link is not None and f.link.resource == self.name)
        ]


# Where a document member comes from (see `_document_plan`).
_OWN, _PARTS, _VIA, _LINK, _COMPUTED = "own", "parts", "via", "link", "computed"


@cache
def _document_plan(resource: Resource) -> tuple[tuple[str, str, Any], ...]:
    """Each member of `resource`'s documents in order, with where its value comes from (a
    column, parts' columns, a relation, a link, or computed) decided once, not per row."""
    plan: list[tuple[str, str, Any]] = []
    for f in resource.fields:
        if not f.served:
            continue
        if f.parts is not None:
            plan.append((f.name, _PARTS, tuple(f.parts.items())))
        elif f.via is not None:
            plan.append((f.name, _VIA, f.via))
        elif f.link is not None:
            plan.append((f.name, _LINK, None))
        elif f.computed is not None:
            plan.append((f.name, _COMPUTED, None))
        else:
            plan.append((f.name, _OWN, f.stored_as))
    plan.extend((name, _OWN, name) for name in META)
    return tuple(plan)


def _compute(
    connection: Connection, t: Tables, computed: Sequence[tuple[str, Computed]], records: Records
) -> dict[str, list[Any]]:
    """Each computed member's values for `records`, each `compute` run once."""
    results: dict[Any, Sequence[Any]] = {}
    values: dict[str, list[Any]] = {}
    for name, spec in computed:
        if spec.compute not in results:
            results[spec.compute] = spec.compute(connection, t, records)
        values[name] = [spec.pick(result) for result in results[spec.compute]]
    return values


def check_known(connection: Connection, vocabulary: Resource, param: str, given: str) -> None:
    """Every value of `given` (a comma-separated list) is the id of a `vocabulary` record, or
    a 400 naming the first that is not, with the ids it may mean."""
    table = vocabulary.table.c
    values = split_list(given)
    # The values asked for, looked up by id; the whole vocabulary only for the message.
    statement = shaped(("known", vocabulary.name), CURRENT, lambda: among(select(table.id)))
    found = rows_by_id(connection, statement, values)
    missing = [value for value in values if value not in found]
    if missing:
        label = table[vocabulary.vocabulary or "id"]
        known: dict[str, str] = dict(connection.execute(select(table.id, label)).all())
        raise invalid_parameter(param, unknown_message(vocabulary.name, missing[0], known))


def unknown_message(
    kind: str, value: str, known: Mapping[str, str], *, labelled: bool = True
) -> str:
    """ "unknown entity 'China'; did you mean CHN (China)?": ids whose id or label matches the
    value case-insensitively, else close spellings of either, else every id (up to 30); each
    suggestion with its label unless not `labelled` (the names of fields)."""
    wanted = value.casefold()
    exact = [i for i, name in known.items() if wanted in (i.casefold(), name.casefold())]
    by_key: dict[str, list[str]] = defaultdict(list)
    for record_id, name in known.items():
        by_key[record_id.casefold()].append(record_id)
        by_key[name.casefold()].append(record_id)
    close = get_close_matches(wanted, list(by_key), n=3, cutoff=0.75)
    suggested = exact or list(dict.fromkeys(i for key in close for i in by_key[key]))
    if suggested:
        shown = " or ".join(f"{i} ({known[i]})" if labelled else i for i in sorted(suggested))
        return f"unknown {kind} {value!r}; did you mean {shown}?"
    ids = sorted(known)
    listed = ", ".join(ids[:30]) + (f" and {len(ids) - 30} more" if len(ids) > 30 else "")
    return (
        f"unknown {kind} {value!r}; the known ones are {listed}"
        if ids
        else (f"unknown {kind} {value!r}; there are none yet")
    )


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def among_ids(column: Any) -> Any:
    """`column IN :ids`, with the ids bound as one list: SQLAlchemy then skips coercing each
    id of a page (or an export batch) one by one, as `in_(ids)` would."""
    return column.in_(bindparam("ids", expanding=True))


def among(query: Select[Any]) -> Select[Any]:
    """`query` narrowed to the records whose id is among the bound `ids`."""
    return query.where(among_ids(query.selected_columns.id))


def rows_by_id(
    connection: Connection, selected: Select[Any], ids: Iterable[str | None]
) -> dict[str, RowMapping]:
    """The rows of `selected` (a statement made by `among`) for `ids`, by id."""
    if selected.whereclause is None:
        # Not narrowed to `ids`: it would read the whole table on every request.
        raise ValueError("rows_by_id needs a statement made by `among`")
    wanted = sorted({record_id for record_id in ids if record_id is not None})
    if not wanted:
        return {}
    rows = connection.execute(selected, {"ids": wanted}).mappings()
    return {row["id"]: row for row in rows}


# Statements of the current tables, by query shape (see `shaped`). A few dozen shapes serve
# ordinary traffic; the cap bounds what a client cycling through combinations of filters and
# sorts can fill (SQLAlchemy's own cache of compiled statements keeps 500 too). Past it, new
# shapes are built per request.
_SHAPES: dict[Hashable, Select[Any]] = {}
MAX_SHAPES = 500


def shaped(shape: Hashable, t: Tables, build: Callable[[], Select[Any]]) -> Select[Any]:
    """The statement of a query shape whose values are all bound parameters, built once for
    the current tables: SQLAlchemy memoizes a statement's cache key on the statement itself,
    so executing the same object again skips building it, keying it and compiling it (its
    compiled form is in the engine's cache). Tables `as_of` a moment embed that moment, so
    their statements are built per request.

    `build` may bind the values of the request that asks first (a list's filters do): the
    statement kept has them taken out (`without_values`)."""
    if t.as_of is not None:
        return build()
    statement = _SHAPES.get(shape)
    if statement is None:
        statement = without_values(build())
        if len(_SHAPES) < MAX_SHAPES:
            _SHAPES[shape] = statement
    return statement


def without_values(statement: Select[Any]) -> Select[Any]:
    """`statement` with the value of each bound parameter taken out, so that it runs only
    with values given for its parameters by name: executed without one it fails rather than
    using the value of the request that built it. A value bound by no name (`column == 1`)
    could not be given again, so it is refused here."""

    def take_out(parameter: BindParameter[Any]) -> None:
        if parameter.unique:
            raise ValueError(f"a statement kept by shape binds a value by no name: {statement}")
        parameter.value = None
        parameter.required = True

    return cloned_traverse(
        statement, {"maintain_key": True, "detect_subquery_cols": True}, {"bindparam": take_out}
    )


def link_values(
    connection: Connection, t: Tables, link: Link, ids: Sequence[str]
) -> dict[str, list[str]]:
    """Each record's linked values (a claim's topic ids), in value order, in one query."""
    values: dict[str, list[str]] = defaultdict(list)
    if ids:

        def build() -> Select[Any]:
            links = getattr(t, link.table).c
            return (
                select(links[link.key], links[link.value])
                .where(among_ids(links[link.key]))
                .order_by(links[link.key], links[link.value])
            )

        statement = shaped(("links", link.table, link.key, link.value), t, build)
        rows = connection.execute(statement, {"ids": list(ids)}).all()
        for key, value in rows:
            values[key].append(value)
    return values


def enum_values(enumeration: type[StrEnum]) -> list[str]:
    return [member.value for member in enumeration]


def filter_parameters_of(resource: Resource, names: Sequence[str], note: str) -> Parameters:
    """Some of `resource`'s filter parameters, their descriptions followed by `note`."""
    parameters = resource.filter_parameters()
    chosen: Parameters = {}
    for name in names:
        annotation, info = parameters[name]
        copied = FieldInfo.merge_field_infos(info, description=f"{info.description} {note}")
        chosen[name] = (annotation, copied)
    return chosen


@dataclass(frozen=True)
class Through(Filter):
    """Filters of a related resource, applied to the records this field names: a statistic's
    `speaker`, `source`, `topic` and `q` select the claims its `claim_id` names."""

    resource: str
    params: tuple[str, ...]
    note: str

    def parameters(self) -> Parameters:
        return filter_parameters_of(resource_named(self.resource), self.params, self.note)

    def bindings(self, params: Any) -> Bindings:
        other = resource_named(self.resource)
        return {
            name: value
            for _f, kind in _filters_with(other, self.params)
            for name, value in kind.bindings(params).items()
        }

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        other = resource_named(self.resource)
        selected = [
            clause
            for f, kind in _filters_with(other, self.params)
            for clause in kind.clauses(t, other._column(t, f), values, nested=True)
        ]
        if not selected:
            return []
        return [column.in_(select(t.of(other.name).c.id).where(*selected))]


@cache
def _filters_with(resource: Resource, params: tuple[str, ...]) -> list[tuple[Field, Filter]]:
    """`resource`'s filters that read any of `params`."""
    return [
        (f, kind)
        for f in resource.fields
        for kind in f.filters
        if set(kind.parameters()) & set(params)
    ]
