"""The resources, each described once in a module of its own (`claim`, `statistic`, ...); the
kernel (`kernel`, `schemas`) derives everything else from those descriptions."""

from app.query.filters import ANY_OF
from app.resources.claim import CLAIM
from app.resources.entity import ENTITY
from app.resources.indicator import INDICATOR
from app.resources.kernel import Resource
from app.resources.review import REVIEW
from app.resources.schemas import ResourceSchemas, derive
from app.resources.source import SOURCE
from app.resources.speaker import SPEAKER
from app.resources.statistic import STATISTIC
from app.resources.topic import TOPIC
from app.resources.unit import UNIT

# In the order the API presents them.
RESOURCES: dict[str, Resource] = {
    resource.name: resource
    for resource in (CLAIM, STATISTIC, SPEAKER, SOURCE, TOPIC, REVIEW, ENTITY, INDICATOR, UNIT)
}
SCHEMAS: dict[str, ResourceSchemas] = derive(list(RESOURCES.values()))
# The filters that take a comma-separated list (any of the values), wherever they appear: such
# a parameter may also be repeated, `kind=a&kind=b` being `kind=a,b` (app/web/guards.py).
LIST_FILTERS: frozenset[str] = frozenset(
    name
    for resource in RESOURCES.values()
    for name, (_, info) in resource.filter_parameters().items()
    if ANY_OF in (info.description or "")
)

__all__ = [
    "CLAIM",
    "ENTITY",
    "INDICATOR",
    "LIST_FILTERS",
    "RESOURCES",
    "REVIEW",
    "SCHEMAS",
    "SOURCE",
    "SPEAKER",
    "STATISTIC",
    "TOPIC",
    "UNIT",
]
