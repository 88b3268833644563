"""HTTP concerns: problems, responses, conditional requests, negotiation, middleware, OpenAPI."""
