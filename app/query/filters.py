"""The ways a list is narrowed. Each filter kind gives its query parameters (for the derived
parameter model) and its SQL (for lists, counts, facets and summaries alike); a resource
names, per field, which kinds apply."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from sqlalchemy import BindParameter, ColumnElement, bindparam, func, select
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import KeyedColumnElement

from app.query.grammar import CODE, Day, Text, one_of_list
from app.query.search import claim_match, parse_query
from app.store.temporal import Tables

Column = QueryableAttribute[Any] | KeyedColumnElement[Any]
Clause = ColumnElement[bool]
# Query parameters as pydantic's create_model takes them: name -> (annotation, field).
Parameters = dict[str, tuple[Any, Any]]
# The values a list's filters bind, by the name of their bound parameter (the query
# parameter's): its statements are built once per shape (which names, each one value or a
# list) and executed with these (`app.query.reads`).
Bindings = dict[str, Any]
ANY_OF = "Comma-separated values match any of them."
RANGE_SUFFIXES = ("gte", "gt", "lte", "lt")


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def bound(column: Column, name: str, value: Any) -> BindParameter[Any]:
    """`value` as the bound parameter `name`, of `column`'s type (a list: expanding, for IN)."""
    return bindparam(name, value, type_=column.type, expanding=isinstance(value, list))


def any_of_bindings(name: str, value: str | None) -> Bindings:
    """What `name=a,b` binds: one value, or a list of several."""
    if value is None:
        return {}
    values = split_list(value)
    return {name: values[0] if len(values) == 1 else values}


def any_of(column: Column, name: str, value: str | list[str] | None) -> list[Clause]:
    if value is None:
        return []
    # One value as `=`: SQLite then knows the rows come out of a (column, id) index in id
    # order; with `IN (x)` it sorts them again.
    parameter = bound(column, name, value)
    return [column.in_(parameter)] if isinstance(value, list) else [column == parameter]


def substring_pattern(text: str) -> str:
    """A LIKE pattern for `text` anywhere, lowercased, its LIKE wildcards taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def lowered_like(column: Column, pattern: Any) -> Clause:
    """`column`, lowercased, LIKE `pattern` (a `substring_pattern`, as text or bound)."""
    return func.lower(column).like(pattern, escape="\\")


def contains_text(column: Column, text: str | None) -> list[Clause]:
    """Case-insensitive substring match with LIKE wildcards in the text taken literally."""
    return [] if text is None else [lowered_like(column, substring_pattern(text))]


def given(params: Any, names: Sequence[str]) -> Bindings:
    """The parameters of `names` that `params` sets, by name."""
    values = {name: getattr(params, name) for name in names}
    return {name: value for name, value in values.items() if value is not None}


def shape_of(bindings: Bindings) -> tuple[tuple[str, bool], ...]:
    """What a list's statements are built from besides the values: which names are bound,
    and which of them to a list."""
    return tuple((name, isinstance(value, list)) for name, value in bindings.items())


def _list_parameter(description: str, example: str, values: str | Sequence[str]) -> Any:
    """A comma-separated list parameter: of codes, of free text, or of fixed values."""
    if values == "text":
        return Text | None, Field(
            None, max_length=2000, description=f"{description} {ANY_OF}", examples=[example]
        )
    pattern = rf"^{CODE}(,{CODE})*$" if values == "code" else one_of_list(list(values))
    return str | None, Field(
        None,
        pattern=pattern,
        max_length=2000,
        description=f"{description} {ANY_OF}",
        examples=[example],
    )


@dataclass(frozen=True)
class Link:
    """A list field kept in a link table: `table` rows of (`key` = record id, `value`), each
    value the id of a `resource` record; `copies` are the record's columns the link rows
    repeat, so that counts by value read the link's index alone."""

    table: str
    key: str
    value: str
    resource: str
    copies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Filter:
    """One way to narrow a list by a field; `column` is that field's column (or, for a field
    kept in a link table, the record's id)."""

    def parameters(self) -> Parameters:
        raise NotImplementedError

    def bindings(self, params: Any) -> Bindings:
        """The values `params` gives this filter, by the names they are bound as (none when
        it is not asked for)."""
        raise NotImplementedError

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        """The SQL of this filter's `values` (a list's bindings), each value a bound parameter
        of its name. `nested`: the clauses select records for another resource's list (a
        statistic's claim), rather than a page of this one."""
        raise NotImplementedError


@dataclass(frozen=True)
class AnyOf(Filter):
    """`param=a,b`: the field equals any of the values (`values`: codes, free text, or the
    members of an enumeration)."""

    param: str
    description: str
    example: str
    values: str | Sequence[str] = "code"

    def parameters(self) -> Parameters:
        return {self.param: _list_parameter(self.description, self.example, self.values)}

    def bindings(self, params: Any) -> Bindings:
        return any_of_bindings(self.param, getattr(params, self.param))

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        return any_of(column, self.param, values.get(self.param))


@dataclass(frozen=True)
class Tagged(Filter):
    """`param=a,b`: the record is linked to any of the values in `link` (claim_topic)."""

    param: str
    description: str
    example: str
    link: Link

    def parameters(self) -> Parameters:
        return {self.param: _list_parameter(self.description, self.example, "code")}

    def bindings(self, params: Any) -> Bindings:
        return any_of_bindings(self.param, getattr(params, self.param))

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        """A correlated EXISTS probing the link's primary key (key, value) row by row, so the
        database walks records in the page's order and stops after one page; `id IN (SELECT
        key ...)` made SQLite materialize every record of the value (200k at 1M) first.

        For a page (not `nested`) the subquery is fenced with `OFFSET 0` on PostgreSQL (SQLite
        probes anyway), which keeps it from becoming a merge semi-join: that join reads the
        value's links from its first one, as the keyset bound on the id does not carry over to
        the link, so page 1000 read 50,000 links (13 ms instead of 0.7 ms at 1M). Nested (the
        statistics of claims by topic, which collect every match) either database joins as it
        likes.
        """
        wanted = values.get(self.param)
        if wanted is None:
            return []
        links = getattr(t, self.link.table).c
        linked = select(links[self.link.key]).where(
            links[self.link.key] == column, *any_of(links[self.link.value], self.param, wanted)
        )
        if not nested:
            linked = linked.suffix_with("OFFSET 0", dialect="postgresql")
        return [linked.exists()]


@dataclass(frozen=True)
class Range(Filter):
    """`<field>_gte`, `_gt`, `_lte`, `_lt`: bounds on a number."""

    field: str

    def parameters(self) -> Parameters:
        return {
            f"{self.field}_{suffix}": (
                float | None,
                Field(None, allow_inf_nan=False, description=f"{self.field} {sign} this."),
            )
            for suffix, sign in zip(RANGE_SUFFIXES, (">=", ">", "<=", "<"), strict=True)
        }

    def bindings(self, params: Any) -> Bindings:
        return given(params, [f"{self.field}_{suffix}" for suffix in RANGE_SUFFIXES])

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        bounds = {
            "gte": column.__ge__,
            "gt": column.__gt__,
            "lte": column.__le__,
            "lt": column.__lt__,
        }
        clauses: list[Clause] = []
        for suffix, compare in bounds.items():
            name = f"{self.field}_{suffix}"
            if name in values:
                clauses.append(compare(bound(column, name, values[name])))
        return clauses


@dataclass(frozen=True)
class Between(Filter):
    """`<after>` and `<before>`: a date strictly after and strictly before the given days."""

    after: str
    before: str
    what: str

    def parameters(self) -> Parameters:
        return {
            self.after: (
                Day | None,
                Field(None, description=f"{self.what} after this date (exclusive)."),
            ),
            self.before: (
                Day | None,
                Field(None, description=f"{self.what} before this date (exclusive)."),
            ),
        }

    def bindings(self, params: Any) -> Bindings:
        return given(params, [self.after, self.before])

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        after, before = self.after, self.before
        return [
            *([column > bound(column, after, values[after])] if after in values else []),
            *([column < bound(column, before, values[before])] if before in values else []),
        ]


@dataclass(frozen=True)
class Contains(Filter):
    """`q`: a case-insensitive substring of the field (names, titles)."""

    param: str
    description: str

    def parameters(self) -> Parameters:
        return {
            self.param: (
                Text | None,
                Field(None, min_length=1, max_length=200, description=self.description),
            )
        }

    def bindings(self, params: Any) -> Bindings:
        text = getattr(params, self.param)
        return {} if text is None else {self.param: substring_pattern(text)}

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        if self.param not in values:
            return []
        return [lowered_like(column, bound(column, self.param, values[self.param]))]


SEARCH_DESCRIPTION = (
    "Full-text search in the claim's text (English stemming: `semiconductor` finds "
    '`semiconductors`). Every word must match; `"new quality"` is a phrase, `semicond*` a '
    "prefix. Operators and punctuation are searched as plain words."
)


@dataclass(frozen=True)
class FullText(Filter):
    """`q`: full-text search in the claims' text. A list of the field's own resource ranks by
    it (`app.query.listing`); nested, it only selects the matching claims."""

    param: str = "q"

    def parameters(self) -> Parameters:
        return {
            self.param: (
                Text | None,
                Field(
                    None,
                    min_length=1,
                    max_length=500,
                    description=SEARCH_DESCRIPTION,
                    examples=["semiconductor"],
                ),
            )
        }

    def bindings(self, params: Any) -> Bindings:
        q = getattr(params, self.param)
        return {} if q is None else {self.param: q}

    def clauses(
        self, t: Tables, column: Column, values: Mapping[str, Any], *, nested: bool
    ) -> list[Clause]:
        """Its words are written into the SQL, not bound (each engine has its own syntax):
        a list that searches is built for its request (`app.query.reads`)."""
        if self.param not in values or not nested:
            return []
        return [claim_match(parse_query(values[self.param]), t)]
