"""The write side: bodies, validation, versioning, auth, idempotency."""
