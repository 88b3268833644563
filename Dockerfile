# The API image: the locked dependencies installed with uv (as `make install` does), the
# project itself, and a non-root user. On start it migrates and seeds, then serves.
FROM python:3.11-slim

# MALLOC_ARENA_MAX: glibc gives each thread that allocates its own malloc arena (up to 8 per
# core), and memory freed in one is never handed back while another part of it is in use: two
# arenas kept a worker 2-20 MB smaller after a mixed load (docs/performance.md, Memory).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MALLOC_ARENA_MAX=2 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8000

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml requirements.lock README.md ./
RUN python -m venv "$VIRTUAL_ENV" \
    && pip install --no-cache-dir --disable-pip-version-check \
        "uv==$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock)" \
    && uv pip sync --no-cache --python "$VIRTUAL_ENV/bin/python" requirements.lock

COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# Editable, as in the Makefile: migrations/ and seed/data/ stay beside the code that finds them.
RUN uv pip install --no-cache --python "$VIRTUAL_ENV/bin/python" --no-deps -e . \
    && useradd --system --create-home --uid 10001 claimbase \
    && mkdir -p /app/data \
    && chown claimbase /app/data

USER claimbase
EXPOSE 8000

# Migrate, load the seed (idempotent), then serve on HOST:PORT.
CMD ["sh", "-c", "python -m app migrate && python -m seed && exec python -m app serve"]
