"""JSON-LD with schema.org terms: claims as Claim, statistics as Observation, speakers as
Person, sources as NewsArticle, topics as DefinedTerm. The @context is inline, so a JSON-LD
processor needs no network to expand it."""

from collections.abc import Callable
from typing import Any

from app.resources.documents import Document

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
# The related records each resource's documents must embed for their JSON-LD form.
INCLUDES = {"claims": {"speaker", "source"}}


def _node(fields: dict[str, Any]) -> dict[str, Any]:
    # JSON-LD treats null as "no value": leaving it out says the same, more plainly.
    return {name: value for name, value in fields.items() if value is not None}


def _meta(document: Document) -> dict[str, Any]:
    return {
        "identifier": document["id"],
        "version": document["version"],
        "dateCreated": document["created_at"],
        "dateModified": document["updated_at"],
    }


class LinkedData:
    """Turns documents into nodes whose @id is the record's URL under `base` (…/v1/)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def url(self, resource: str, record_id: str) -> str:
        return f"{self.base}{resource}/{record_id}"

    def person(self, speaker: Document) -> dict[str, Any]:
        affiliation = speaker["affiliation"]
        return _node(
            {
                "@id": self.url("speakers", speaker["id"]),
                "@type": "Person",
                "name": speaker["name"],
                "jobTitle": speaker["title"],
                "affiliation": None
                if affiliation is None
                else {"@type": "Organization", "name": affiliation},
                "nationality": None
                if speaker["country"] is None
                else {"@type": "Country", "identifier": speaker["country"]},
                **_meta(speaker),
            }
        )

    def article(self, source: Document, *, with_text: bool) -> dict[str, Any]:
        return _node(
            {
                "@id": self.url("sources", source["id"]),
                "@type": "NewsArticle",
                "headline": source["title"],
                "alternativeHeadline": source["standfirst"],
                "datePublished": source["published_on"],
                "publisher": {"@type": "Organization", "name": source["publisher"]},
                "author": [{"@type": "Person", "name": name} for name in source["authors"]],
                "editor": [{"@type": "Person", "name": name} for name in source["editors"]],
                "inLanguage": source["language"],
                "url": source["url"],
                "text": source["text"] if with_text else None,
                "sha256": source["sha256"],
                **_meta(source),
            }
        )

    def claim(self, claim: Document) -> dict[str, Any]:
        source = claim["source"]
        speaker = claim["speaker"]
        # An author statement is the publication's own voice: its author is the publisher.
        author = (
            self.person(speaker)
            if speaker is not None
            else {"@type": "Organization", "name": source["publisher"]}
        )
        return _node(
            {
                "@id": self.url("claims", claim["id"]),
                "@type": "Claim",
                "text": claim["text"],
                "claimKind": claim["kind"],
                "author": author,
                "appearance": self.article(source, with_text=False),
                "spanStart": claim["span"]["start"],
                "spanEnd": claim["span"]["end"],
                "keywords": claim["topics"],
                **_meta(claim),
            }
        )

    def observation(self, statistic: Document) -> dict[str, Any]:
        period = statistic["period"]
        return _node(
            {
                "@id": self.url("statistics", statistic["id"]),
                "@type": "Observation",
                "measuredProperty": statistic["indicator"],
                "observationAbout": statistic["entity"],
                "value": statistic["value"],
                "unitText": statistic["unit"],
                "description": statistic["display"],
                "observationDate": period["end"],
                "observationPeriod": period["label"],
                "temporalCoverage": f"{period['start']}/{period['end']}",
                "about": {"@id": self.url("claims", statistic["claim_id"])},
                "spanStart": statistic["span"]["start"],
                "spanEnd": statistic["span"]["end"],
                **_meta(statistic),
            }
        )

    def term(self, topic: Document) -> dict[str, Any]:
        return {
            "@id": self.url("topics", topic["id"]),
            "@type": "DefinedTerm",
            "name": topic["name"],
            **_meta(topic),
        }

    def graph(self, resource: str, documents: list[Document]) -> dict[str, Any]:
        convert: dict[str, Callable[[Document], dict[str, Any]]] = {
            "claims": self.claim,
            "statistics": self.observation,
            "speakers": self.person,
            "sources": lambda source: self.article(source, with_text=True),
            "topics": self.term,
        }
        return {"@context": CONTEXT, "@graph": [convert[resource](d) for d in documents]}
