"""The query grammar: parameters, filters, keyset pagination, search, facets, lists."""
