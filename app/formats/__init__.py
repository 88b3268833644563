"""List formats beyond JSON: CSV and NDJSON exports, JSON-LD."""
