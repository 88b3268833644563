"""Seed data and its loader: validated files in `seed/data/`, written idempotently."""
