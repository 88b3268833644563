"""One module of routes per resource, mounted under /v1 by `app.api`."""
