"""The five versioned resources, each described once: how it is queried, filtered, sorted and
turned into documents. Routes, history and writes all work from these descriptions."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import RowMapping, Select
from sqlalchemy.orm import Session

from app.query import filters
from app.query.facets import CLAIM_FACETS, STATISTIC_FACETS, Facet
from app.query.filters import Clause, Column
from app.resources import documents as representations
from app.resources.documents import Document
from app.store.temporal import Tables

# Rows into documents, given the session (to embed related records), the tables of the
# moment asked for, and the includes asked.
Documents = Callable[[Session, Tables, Sequence[RowMapping], set[str]], list[Document]]


@dataclass(frozen=True)
class Resource:
    name: str
    plural: str
    query: Callable[[Tables], Select[Any]]
    documents: Documents
    filters: Callable[[Tables, Any], list[Clause]]
    sort_fields: Callable[[Tables], Mapping[str, Sequence[Column]]]
    facets: Mapping[str, Facet] = field(default_factory=dict)
    # count=true by a cheaper statement than counting the list's query, where there is one.
    count: Callable[[Tables, Any], Select[Any] | None] = lambda _t, _params: None
    # Its `q` is full-text search: ranked by relevance, each match with a snippet.
    full_text: bool = False


CLAIM = Resource(
    "claim",
    "claims",
    representations.claims_query,
    representations.claim_documents,
    filters.claim_filters,
    filters.claim_sort_fields,
    CLAIM_FACETS,
    filters.claim_count_by_topic,
    full_text=True,
)
STATISTIC = Resource(
    "statistic",
    "statistics",
    representations.statistics_query,
    representations.statistic_documents,
    filters.statistic_filters,
    filters.statistic_sort_fields,
    STATISTIC_FACETS,
)
SPEAKER = Resource(
    "speaker",
    "speakers",
    representations.speakers_query,
    representations.speaker_documents,
    filters.speaker_filters,
    filters.speaker_sort_fields,
)
SOURCE = Resource(
    "source",
    "sources",
    representations.sources_query,
    representations.source_documents,
    filters.source_filters,
    filters.source_sort_fields,
)
TOPIC = Resource(
    "topic",
    "topics",
    representations.topics_query,
    representations.topic_documents,
    filters.topic_filters,
    filters.topic_sort_fields,
)
RESOURCES = {resource.name: resource for resource in (CLAIM, STATISTIC, SPEAKER, SOURCE, TOPIC)}
