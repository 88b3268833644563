"""gzip, as pure ASGI middleware (no BaseHTTPMiddleware: reads run on the event loop, and the
body passes through chunk by chunk).

- A response is compressed when the request accepts gzip, its media type is text-like (JSON,
  problems, JSON-LD, NDJSON, CSV, HTML, CSS, JavaScript) and its body is at least
  `minimum_size` bytes; a streamed body (the CSV and NDJSON exports, static files) is
  compressed as it streams, each chunk flushed as it comes, so the stream stays a stream.
- Every text-like response says `Vary: Accept-Encoding`, compressed or not, and so do 304s.
- A strong ETag names one representation, so the gzip one gets its own: `"tag"` becomes
  `"tag-gzip"`; a weak one stays as it is (the representations are equivalent). Conditional
  requests name either form: `-gzip` is taken off `If-None-Match` and `If-Match` before the
  app compares them, and a 304 answers with the form the client sent.
- Static files (the docs' assets, the explorer) are compressed once per version (their ETag)
  and kept, since Swagger UI's bundle alone costs ~50 ms of CPU to compress.
"""

import re
import zlib
from collections import OrderedDict
from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# JSON and every `+json` type (problems, JSON-LD, sparse records), NDJSON, text, SVG.
COMPRESSIBLE = re.compile(
    r"(text/|application/(json|[\w.-]+\+json|x-ndjson|javascript)|image/svg\+xml)"
)
SUFFIX = "-gzip"
CONDITIONAL_HEADERS = (b"if-none-match", b"if-match")
STRONG_TAG = re.compile(r'^"([^"]*)"$')


def accepts_gzip(header: str | None) -> bool:
    """Whether Accept-Encoding allows gzip: named (or x-gzip, or `*`) with a q above 0."""
    if not header:
        return False
    qualities: dict[str, float] = {}
    for item in header.lower().split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            qualities[coding] = quality
    for coding in ("gzip", "x-gzip", "*"):
        if coding in qualities:
            return qualities[coding] > 0
    return False


def gzip_etag(etag: str) -> str:
    """The ETag of the gzip representation: a strong tag gets the suffix, a weak one stays."""
    strong = STRONG_TAG.match(etag)
    return f'"{strong.group(1)}{SUFFIX}"' if strong else etag


def without_suffix(value: bytes) -> bytes:
    return value.replace(SUFFIX.encode() + b'"', b'"')


def add_vary(headers: MutableHeaders, name: str) -> None:
    present = [v.strip().lower() for v in ",".join(headers.getlist("vary")).split(",")]
    if name.lower() not in present and "*" not in present:
        headers["Vary"] = ", ".join([*(v for v in headers.getlist("vary") if v), name])


class CompressedCache:
    """Compressed bodies of static files by (path, ETag), oldest dropped past `max_bytes`."""

    def __init__(self, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.entries: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def get(self, key: tuple[str, str]) -> bytes | None:
        body = self.entries.get(key)
        if body is not None:
            self.entries.move_to_end(key)
        return body

    def put(self, key: tuple[str, str], body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        self.entries[key] = body
        while sum(map(len, self.entries.values())) > self.max_bytes:
            self.entries.popitem(last=False)


class GzipMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        minimum_size: int = 1024,
        level: int = 6,
        cached_prefixes: Sequence[str] = (),
    ) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level
        self.cached_prefixes = tuple(cached_prefixes)
        self.cache = CompressedCache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        sent_tags = headers.get("if-none-match", "")
        if SUFFIX in sent_tags or SUFFIX in headers.get("if-match", ""):
            scope = {
                **scope,
                "headers": [
                    (name, without_suffix(value) if name in CONDITIONAL_HEADERS else value)
                    for name, value in scope["headers"]
                ],
            }
        responder = _Responder(self, scope, send, accepts_gzip(headers.get("accept-encoding")))
        responder.sent_tags = sent_tags
        await self.app(scope, receive, responder.send)


class _Responder:
    def __init__(self, owner: GzipMiddleware, scope: Scope, send: Send, accepts: bool) -> None:
        self.owner = owner
        self.path: str = scope["path"]
        self.downstream = send
        self.accepts = accepts
        self.sent_tags = ""
        self.start: Message | None = None
        self.compressor: zlib._Compress | None = None
        self.passthrough = False
        self.cache_key: tuple[str, str] | None = None
        self.cached: list[bytes] = []
        self.replayed = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            await self._start(message)
        elif self.replayed:
            return  # the body went out from the cache
        elif self.passthrough or self.start is None:
            await self.downstream(message)
        elif message["type"] != "http.response.body":
            # Anything but a body (a pathsend) cannot be compressed here: as it came.
            await self._release(compress=False)
            await self.downstream(message)
        elif self.compressor is None:
            await self._first_body(message)
        else:
            await self._more_body(message)

    async def _start(self, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        status: int = message["status"]
        if status == 304:
            add_vary(headers, "Accept-Encoding")
            etag = headers.get("etag")
            if etag is not None and gzip_etag(etag) in self.sent_tags and gzip_etag(etag) != etag:
                headers["ETag"] = gzip_etag(etag)
            self.passthrough = True
            await self.downstream(message)
            return
        compressible = COMPRESSIBLE.match(headers.get("content-type", "")) is not None
        if not compressible or "content-encoding" in headers or status < 200 or status == 204:
            self.passthrough = True
            await self.downstream(message)
            return
        add_vary(headers, "Accept-Encoding")
        if not self.accepts:
            self.passthrough = True
            await self.downstream(message)
            return
        etag = headers.get("etag")
        if (
            etag is not None
            and STRONG_TAG.match(etag)
            and self.path.startswith(self.owner.cached_prefixes or ("\0",))
        ):
            self.cache_key = (self.path, etag)
            body = self.owner.cache.get(self.cache_key)
            if body is not None:
                self._mark_compressed(headers)
                headers["Content-Length"] = str(len(body))
                self.replayed = True
                await self.downstream(message)
                await self.downstream({"type": "http.response.body", "body": body})
                return
        self.start = message

    def _mark_compressed(self, headers: MutableHeaders) -> None:
        headers["Content-Encoding"] = "gzip"
        etag = headers.get("etag")
        if etag is not None:
            headers["ETag"] = gzip_etag(etag)

    async def _release(self, *, compress: bool) -> None:
        assert self.start is not None
        if compress:
            self._mark_compressed(MutableHeaders(scope=self.start))
        self.passthrough = not compress
        await self.downstream(self.start)

    async def _first_body(self, message: Message) -> None:
        assert self.start is not None
        body: bytes = message.get("body", b"")
        more = message.get("more_body", False)
        if not more and len(body) < self.owner.minimum_size:
            await self._release(compress=False)
            await self.downstream(message)
            return
        self.compressor = zlib.compressobj(self.owner.level, zlib.DEFLATED, 31)
        headers = MutableHeaders(scope=self.start)
        if more:
            del headers["content-length"]  # streamed: the length is not known yet
            await self._release(compress=True)
            await self._more_body(message)
            return
        compressed = self.compressor.compress(body) + self.compressor.flush()
        headers["Content-Length"] = str(len(compressed))
        self._remember(compressed, final=True)
        await self._release(compress=True)
        await self.downstream({"type": "http.response.body", "body": compressed})

    async def _more_body(self, message: Message) -> None:
        assert self.compressor is not None
        more = message.get("more_body", False)
        chunk = self.compressor.compress(message.get("body", b"")) + self.compressor.flush(
            zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH
        )
        self._remember(chunk, final=not more)
        await self.downstream({"type": "http.response.body", "body": chunk, "more_body": more})

    def _remember(self, chunk: bytes, *, final: bool) -> None:
        if self.cache_key is None:
            return
        self.cached.append(chunk)
        if final:
            self.owner.cache.put(self.cache_key, b"".join(self.cached))
