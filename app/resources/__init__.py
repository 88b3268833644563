"""The resources, each described once in a module of its own (`claim`, `statistic`, ...); the
kernel (`kernel`, `schemas`) derives everything else from those descriptions."""

from app.resources.claim import CLAIM
from app.resources.kernel import Resource
from app.resources.schemas import ResourceSchemas, derive
from app.resources.source import SOURCE
from app.resources.speaker import SPEAKER
from app.resources.statistic import STATISTIC
from app.resources.topic import TOPIC

# In the order the API presents them.
RESOURCES: dict[str, Resource] = {
    resource.name: resource for resource in (CLAIM, STATISTIC, SPEAKER, SOURCE, TOPIC)
}
SCHEMAS: dict[str, ResourceSchemas] = derive(list(RESOURCES.values()))

__all__ = ["CLAIM", "RESOURCES", "SCHEMAS", "SOURCE", "SPEAKER", "STATISTIC", "TOPIC"]
