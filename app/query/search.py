"""Full-text search: the user's `q` parsed into words, phrases and prefixes, then rebuilt in
each engine's own syntax (FTS5 MATCH, PostgreSQL tsquery) so user text is never query syntax.

One tokenization rule on both engines, for the indexed text and the query alike: a word is a
run of letters and digits, anything else separates words, no word is a stop word, and words
are stemmed by Porter's algorithm; words joined by punctuation in `q` (`7.6`, `25.7%`) are a
phrase. SQLite's FTS5 index is `porter unicode61`; PostgreSQL's tsvector uses the `claimbase`
configuration over the text with its punctuation made spaces (migration 20261207_0008)."""

import html
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer
from sqlalchemy import (
    Boolean,
    ColumnElement,
    CompoundSelect,
    Connection,
    Float,
    Select,
    and_,
    cast,
    func,
    literal_column,
    select,
    table,
    tuple_,
)
from sqlalchemy import column as sql_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import KeyedColumnElement

from app.store.temporal import Tables
from app.web.problems import invalid_parameter

MAX_TERMS = 32
# Words this short are not stemmed (SQLite's Porter tokenizer leaves them; see `tsquery`).
SHORT = 2
SNIPPET_WORDS = 40
# Letters and digits only: what both engines' tokenizers keep as words (`_` separates too).
WORD = re.compile(r"[^\W_]+")
# A quoted phrase (the closing quote may be missing), or a run of anything else.
TERM = re.compile(r'"([^"]*)"?|([^\s"]+)')
# A snowballstemmer stemmer keeps the word being stemmed in its own attributes, so one shared
# by the request threads corrupts words under concurrency (IndexError, AssertionError: 500s
# seen in the benchmark): each thread gets its own.
_STEMMERS = threading.local()
_FTS = table("claim_fts", sql_column("rowid"))
_FTS_NAME: ColumnElement[Any] = literal_column("claim_fts")
_CLAIM_ROWID: ColumnElement[Any] = literal_column("claim.rowid")
# SQLite's unary + keeps an expression from using an index (`is_broad`).
_CLAIM_ROWID_UNINDEXED: ColumnElement[Any] = literal_column("+claim.rowid")
BROAD_MATCHES = 2000
# The text search configuration of the index (migration 20261207_0008): PostgreSQL's words
# are then SQLite FTS5's `porter unicode61` words, stop words included.
PARITY: ColumnElement[Any] = literal_column("'claimbase'::regconfig")
SIMPLE: ColumnElement[Any] = literal_column("'simple'::regconfig")


@dataclass(frozen=True)
class Term:
    """Words that must appear in this order, or one word as a prefix when `prefix`."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """Every term must match (AND). Operators typed by users are searched as plain words."""

    terms: tuple[Term, ...]

    def fts5(self) -> str:
        """The FTS5 MATCH string: each term a quoted phrase, so no user text is syntax."""
        parts = []
        for term in self.terms:
            phrase = '"' + " ".join(term.words) + '"'
            parts.append(f"{phrase} *" if term.prefix else phrase)
        return " AND ".join(parts)

    def tsquery(self) -> ColumnElement[Any]:
        """The PostgreSQL tsquery, built from functions that take plain words, never syntax."""
        parts: list[ColumnElement[Any]] = []
        for term in self.terms:
            if term.prefix:
                # A prefix is one word of letters and digits, so `:*` is the only syntax added.
                parts.append(func.to_tsquery(PARITY, f"{term.words[0]}:*"))
                continue
            phrase = _word_query(term.words[0])
            for word in term.words[1:]:
                phrase = func.tsquery_phrase(phrase, _word_query(word))
            parts.append(phrase)
        combined = parts[0]
        for part in parts[1:]:
            combined = combined.op("&&")(part)
        return combined


def _word_query(word: str) -> ColumnElement[Any]:
    """One word of `q` as PostgreSQL's index holds it (migration 20261207_0008): stemmed; or,
    for one or two letters, unstemmed as SQLite leaves it, which the index stores with a `0`
    (`it0`) while a longer word stemmed to it stays plain (`its` is `it`)."""
    if len(word) <= SHORT and word.isalpha():
        return func.to_tsquery(SIMPLE, word).op("||")(func.to_tsquery(SIMPLE, f"{word}0"))
    return func.plainto_tsquery(PARITY, word)


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.lower() for word in WORD.findall(text))


def parse_query(q: str) -> SearchQuery:
    """Quoted text is a phrase, `word*` a prefix; everything else (AND, OR, NOT, NEAR, `-`,
    `:`, parentheses, SQL) is reduced to its words. No words at all is a 400 naming `q`."""
    terms: list[Term] = []
    for match in TERM.finditer(q):
        phrase, bare = match.group(1), match.group(2)
        if phrase is not None:
            words = _words(phrase)
            if words:
                terms.append(Term(words))
            continue
        found = list(WORD.finditer(bare))
        if len(found) > 1 and "*" not in bare:
            # Words joined by punctuation stand together: `7.6`, `25.7%`, `self-reliance`.
            terms.append(Term(tuple(word.group().lower() for word in found)))
            continue
        for word in found:
            # `word*` is a prefix, wherever it stands in the token: `(semicond*)` too.
            prefix = bare.startswith("*", word.end())
            terms.append(Term((word.group().lower(),), prefix=prefix))
    if not terms:
        raise invalid_parameter("q", "contains no word to search for (letters or digits)")
    if len(terms) > MAX_TERMS:
        raise invalid_parameter("q", f"has more than {MAX_TERMS} words or phrases")
    return SearchQuery(tuple(terms))


def matching_versions(dialect: str, query: SearchQuery) -> CompoundSelect[Any]:
    """(id, version, relevance) of every claim version whose text matches: the current rows
    from the claim index, superseded ones from the claim_history index, so a search `as_of`
    a past moment finds the text as it stood then. Relevance is computed within each index."""
    branches: list[Select[Any]] = []
    for name in ("claim", "claim_history"):
        rows = table(name, sql_column("id"), sql_column("version"))
        if dialect == "sqlite":
            index = table(f"{name}_fts", sql_column("rowid"))
            index_name: ColumnElement[Any] = literal_column(f"{name}_fts")
            branch = (
                select(rows.c.id, rows.c.version, (-func.bm25(index_name)).label("relevance"))
                .select_from(index)
                .join(rows, literal_column(f"{name}.rowid") == index.c.rowid)
                .where(index_name.op("MATCH")(query.fts5()))
            )
        else:
            vector: ColumnElement[Any] = literal_column(f"{name}.search_vector")
            rank = cast(func.ts_rank(vector, query.tsquery()), Float).label("relevance")
            branch = select(rows.c.id, rows.c.version, rank).where(vector.op("@@")(query.tsquery()))
        branches.append(branch)
    return branches[0].union_all(branches[1])


class ClaimMatch(ColumnElement[bool]):
    """Claims matching a query, as a WHERE clause on the claims of `t` (joins nothing), written
    in the syntax of the database it is compiled for, so filters need no dialect. Current
    claims use their index directly; claims `as_of` a moment are matched by (id, version).

    `broad` (SQLite only, see `is_broad`) hides claim.rowid from the planner, so SQLite walks
    the sort's index and checks each claim against the set of matches instead of looking up
    every match and sorting them all."""

    type = Boolean()
    # The match text is part of the SQL built at compile time, so no cache key can cover it.
    inherit_cache = False

    def __init__(self, query: SearchQuery, t: Tables, broad: bool = False) -> None:
        self.query = query
        self.tables = t
        self.broad = broad


@compiles(ClaimMatch)
def _compile_match(element: ClaimMatch, compiler: SQLCompiler, **kw: Any) -> str:
    dialect, claim = compiler.dialect.name, element.tables.claim.c
    clause: ColumnElement[bool]
    if element.tables.as_of is not None:
        versions = matching_versions(dialect, element.query).subquery()
        clause = tuple_(claim.id, claim.version).in_(select(versions.c.id, versions.c.version))
    elif dialect == "sqlite":
        matching = select(_FTS.c.rowid).where(_FTS_NAME.op("MATCH")(element.query.fts5()))
        rowid = _CLAIM_ROWID_UNINDEXED if element.broad else _CLAIM_ROWID
        clause = rowid.in_(matching)
    else:
        clause = literal_column("claim.search_vector").op("@@")(element.query.tsquery())
    return compiler.process(clause, **kw)


def claim_match(query: SearchQuery, t: Tables, broad: bool = False) -> ColumnElement[bool]:
    """Claims of `t` (now, or `as_of`) matching `query`."""
    return ClaimMatch(query, t, broad)


def is_broad(connection: Connection, query: SearchQuery) -> bool:
    """Whether the query matches so many current claims (SQLite) that walking a sort index
    and testing each claim beats sorting the matches: measured at 1M claims, sorting wins
    below ~2,000 matches (0.2 ms for 300) and walking above (2 ms instead of 40 at 12,000).
    Counting stops at the threshold, so this costs at most that many index entries."""
    if connection.dialect.name != "sqlite":
        return False  # PostgreSQL's planner chooses from its statistics
    first = select(_FTS.c.rowid).where(_FTS_NAME.op("MATCH")(query.fts5())).limit(BROAD_MATCHES)
    found: int = connection.execute(select(func.count()).select_from(first.subquery())).scalar_one()
    return found >= BROAD_MATCHES


def added_order(dialect: str) -> ColumnElement[Any]:
    """The position in which a current claim was added, index-ordered alongside the search
    index: SQLite's rowid (read from the FTS5 table, which is keyed by it) or PostgreSQL's
    `search_order` identity (migration 20261128_0006)."""
    if dialect == "sqlite":
        return _FTS.c.rowid
    return literal_column("claim.search_order")


def ranked_claims(dialect: str, claims: Select[Any], query: SearchQuery, t: Tables) -> Select[Any]:
    """`claims` (a query over the claims of `t`) narrowed to matches, with a `relevance`
    column (higher is better).

    On SQLite bm25() only exists next to the MATCH on the FTS table, hence the join there.
    """
    if t.as_of is not None:
        matched = matching_versions(dialect, query).subquery("matched")
        claim = t.claim.c
        return claims.add_columns(matched.c.relevance).join(
            matched, and_(matched.c.id == claim.id, matched.c.version == claim.version)
        )
    if dialect == "sqlite":
        # bm25() is lower for better matches; negated so both engines sort -relevance alike.
        relevance = (-func.bm25(_FTS_NAME)).label("relevance")
        return (
            claims.add_columns(relevance)
            .join_from(t.claim, _FTS, _FTS.c.rowid == _CLAIM_ROWID)
            .where(_FTS_NAME.op("MATCH")(query.fts5()))
        )
    rank = cast(func.ts_rank(literal_column("claim.search_vector"), query.tsquery()), Float)
    return claims.add_columns(rank.label("relevance")).where(claim_match(query, t))


def relevance_column(query: Select[Any]) -> KeyedColumnElement[Any]:
    """The `relevance` that `ranked_claims` added, as a sort key for `app.query.filters`."""
    column = query.selected_columns.relevance
    assert isinstance(column, KeyedColumnElement)
    return column


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Snippets stem every word of every claim on a page; a corpus has a small vocabulary, so
# stems are cached (thread-safe) instead of recomputed: most of a search page's CPU otherwise.
@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    if len(word) <= SHORT:
        return word  # as both indexes leave it
    stemmer = getattr(_STEMMERS, "porter", None)
    if stemmer is None:
        # Porter's, as both indexes stem: a word is marked where it matched.
        stemmer = _STEMMERS.porter = snowballstemmer.stemmer("porter")
    result: str = stemmer.stemWord(word)
    return result


@dataclass(frozen=True)
class _Highlighter:
    """What a word of the text must be to be marked, worked out once per query."""

    stems: frozenset[str]
    prefixes: tuple[tuple[str, str], ...]  # (folded prefix, its stem)

    @classmethod
    def of(cls, query: SearchQuery) -> "_Highlighter":
        stems: set[str] = set()
        prefixes: list[tuple[str, str]] = []
        for term in query.terms:
            for index, wanted in enumerate(term.words):
                folded = _fold(wanted)
                if term.prefix and index == len(term.words) - 1:
                    prefixes.append((folded, stem(folded)))
                else:
                    stems.add(stem(folded))
        return cls(frozenset(stems), tuple(prefixes))

    def matches(self, word: str) -> bool:
        folded = _fold(word)
        stemmed = stem(folded)
        return stemmed in self.stems or any(
            folded.startswith(prefix) or stemmed.startswith(prefix_stem)
            for prefix, prefix_stem in self.prefixes
        )


def snippet(text: str, query: SearchQuery) -> str:
    """`text` HTML-escaped with each matching word in <mark></mark>, cut to a window of
    words around the first match. Done in Python so both backends give identical output."""
    words = list(WORD.finditer(text))
    highlighter = _Highlighter.of(query)
    hits = [index for index, word in enumerate(words) if highlighter.matches(word.group())]
    start_word = max(0, (hits[0] if hits else 0) - SNIPPET_WORDS // 4)
    end_word = min(len(words), start_word + SNIPPET_WORDS)
    begin = 0 if start_word == 0 else words[start_word].start()
    end = len(text) if end_word == len(words) else words[end_word - 1].end()
    parts = ["…"] if begin > 0 else []
    position = begin
    marked = set(hits)
    for index in range(start_word, end_word):
        word = words[index]
        if index in marked:
            parts.append(html.escape(text[position : word.start()]))
            parts.append(f"<mark>{html.escape(word.group())}</mark>")
            position = word.end()
    parts.append(html.escape(text[position:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
