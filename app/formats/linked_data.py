"""JSON-LD with schema.org terms, from each resource's description: its `linked_type` (claims
are Claim, statistics Observation, speakers Person, sources NewsArticle, topics DefinedTerm)
and each field's `term`. The @context is inline, so a JSON-LD processor needs no network to
expand it."""

from typing import Any

from app.resources.kernel import Document, Resource, resource_named

CONTEXT: dict[str, Any] = {
    "@vocab": "https://schema.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    # What schema.org has no term for: where a text stands in its source, and the claim kind.
    "cb": "urn:claimbase:",
    "spanStart": "cb:spanStart",
    "spanEnd": "cb:spanEnd",
    "claimKind": "cb:claimKind",
    "datePublished": {"@type": "xsd:date"},
    "observationDate": {"@type": "xsd:date"},
    "dateCreated": {"@type": "xsd:dateTime"},
    "dateModified": {"@type": "xsd:dateTime"},
}


def _wrapped(value: Any, node_type: str, key: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [{"@type": node_type, key: item} for item in value]
    return {"@type": node_type, key: value}


class LinkedData:
    """Turns documents into nodes whose @id is the record's URL under `base` (…/v1/)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def url(self, resource: Resource, record_id: str) -> str:
        return f"{self.base}{resource.plural}/{record_id}"

    def node(self, resource: Resource, document: Document, *, top_level: bool = True) -> Document:
        """One record's node: each field with a term, then what only the resource can say."""
        node: Document = {
            "@id": self.url(resource, document["id"]),
            "@type": resource.linked_type,
        }
        for field in resource.fields:
            term = field.term
            if term is None or not field.served or not (top_level or term.nested):
                continue
            value = document[field.name]
            if term.parts:
                node.update({name: value[part] for part, name in term.parts.items()})
            elif term.reference is not None:
                node[term.name] = {"@id": self.url(resource_named(term.reference), value)}
            elif term.node is not None:
                node[term.name] = _wrapped(value, term.node, term.key)
            else:
                node[term.name] = value
        if resource.linked_extra is not None:
            node.update(resource.linked_extra(self, document))
        node.update(
            identifier=document["id"],
            version=document["version"],
            dateCreated=document["created_at"],
            dateModified=document["updated_at"],
        )
        # JSON-LD treats null as "no value": leaving it out says the same, more plainly.
        return {name: value for name, value in node.items() if value is not None}

    def graph(self, resource: Resource, documents: list[Document]) -> Document:
        return {"@context": CONTEXT, "@graph": [self.node(resource, d) for d in documents]}
