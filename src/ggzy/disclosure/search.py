"""One search interface, two engines: SQLite FTS5 (embedded) and PostgreSQL tsvector('simple') + GIN.

Both index the same space-joined tokens (`tokenize.index_text`) and receive the same parsed query, so the
same query finds the same rows on both. The query language:

- words separated by spaces must all occur (AND); a word is cut into tokens that must all occur;
- `"..."` is a phrase: its tokens adjacent and in order (FTS5 phrase / PostgreSQL `<->`);
- `甲 NEAR/3 乙`: the two words at most 3 tokens apart, either order (FTS5 NEAR / PostgreSQL `<N>`).

Results are ordered by publication time (newest first), then id, on both engines; snippets and highlights
are made in Python from the stored text, so they are the same too.
"""

import html
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from ggzy.disclosure.models import SearchDoc
from ggzy.disclosure.tokenize import normalise, query_tokens

FTS_TABLE = "disclosure_fts"
MAX_NEAR = 20


@dataclass(frozen=True)
class Phrase:
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class Near:
    left: str
    right: str
    distance: int


@dataclass
class Query:
    text: str
    clauses: list[Phrase | Near] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.clauses

    @property
    def terms(self) -> list[str]:
        """Every token of the query (for highlighting)."""
        out: list[str] = []
        for clause in self.clauses:
            out.extend(clause.tokens if isinstance(clause, Phrase) else (clause.left, clause.right))
        return list(dict.fromkeys(out))


_LEXER = re.compile(r'"([^"]*)"|NEAR/(\d+)|(\S+)')


def parse(text: str) -> Query:
    query = Query(text=text or "")
    items: list[tuple[str, object]] = []
    for m in _LEXER.finditer((text or "").replace("“", '"').replace("”", '"')):
        if m.group(1) is not None:
            items.append(("phrase", m.group(1)))
        elif m.group(2) is not None:
            items.append(("near", min(int(m.group(2)), MAX_NEAR)))
        else:
            items.append(("word", m.group(3)))
    i = 0
    while i < len(items):
        kind, value = items[i]
        if kind == "word" and i + 2 < len(items) and items[i + 1][0] == "near" and items[i + 2][0] == "word":
            left, right = query_tokens(str(value)), query_tokens(str(items[i + 2][1]))
            distance = int(str(items[i + 1][1]))
            if len(left) == 1 and len(right) == 1:
                query.clauses.append(Near(left[0], right[0], distance))
            else:  # NEAR between multi-token words: both words must occur
                query.clauses.extend(Phrase((t,)) for t in [*left, *right])
            i += 3
            continue
        if kind == "phrase":
            tokens = query_tokens(str(value))
            if tokens:
                query.clauses.append(Phrase(tuple(tokens)))
        elif kind == "word":
            query.clauses.extend(Phrase((t,)) for t in query_tokens(str(value)))
        i += 1
    query.clauses = list(dict.fromkeys(query.clauses))
    return query


# ---- the two engines ------------------------------------------------------------------------------


def fts5_expression(query: Query) -> str:
    parts = []
    for clause in query.clauses:
        if isinstance(clause, Phrase):
            parts.append('"' + " ".join(clause.tokens) + '"')
        else:
            parts.append(f'NEAR("{clause.left}" "{clause.right}", {clause.distance})')
    return " AND ".join(parts)


def tsquery_expression(query: Query) -> str:
    parts = []
    for clause in query.clauses:
        if isinstance(clause, Phrase):
            parts.append("(" + " <-> ".join(f"'{t}'" for t in clause.tokens) + ")")
        else:
            # FTS5 NEAR(a b, N): at most N tokens between them, either order = distance 1..N+1 either way.
            options = [
                f"'{a}' <{d}> '{b}'"
                for d in range(1, clause.distance + 2)
                for a, b in ((clause.left, clause.right), (clause.right, clause.left))
            ]
            parts.append("(" + " | ".join(options) + ")")
    return " & ".join(parts)


def vendor() -> str:
    return connection.vendor


def matching(qs: QuerySet[SearchDoc], query: Query) -> QuerySet[SearchDoc]:
    """Restrict `qs` to the rows the query matches (all rows for an empty query)."""
    if query.empty:
        return qs
    if vendor() == "postgresql":
        return qs.extra(
            where=["disclosure_searchdoc.tsv @@ to_tsquery('simple', %s)"],
            params=[tsquery_expression(query)],
        )
    if vendor() == "sqlite":
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608 - constant table name
        return qs.filter(pk__in=RawSQL(sql, [fts5_expression(query)]))  # noqa: S611 - bound parameter
    # Any other database: token containment (slow, for completeness only).
    for clause in query.clauses:
        tokens = clause.tokens if isinstance(clause, Phrase) else (clause.left, clause.right)
        for token in tokens:
            qs = qs.filter(tokens__contains=token)
    return qs


def store(doc: SearchDoc) -> None:
    """Write the full-text entry of a saved SearchDoc (PostgreSQL indexes the column itself)."""
    if vendor() == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [doc.pk])  # noqa: S608
            cursor.execute(f"INSERT INTO {FTS_TABLE}(rowid, tokens) VALUES (%s, %s)", [doc.pk, doc.tokens])  # noqa: S608


def forget(pks: list[int]) -> None:
    if vendor() == "sqlite" and pks:
        with connection.cursor() as cursor:
            for pk in pks:
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [pk])  # noqa: S608


def forget_all() -> None:
    if vendor() == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608


# ---- schema (called by migration 0002) ------------------------------------------------------------


def create_engine_objects(schema_editor: BaseDatabaseSchemaEditor) -> None:
    engine = schema_editor.connection.vendor
    if engine == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(tokens, tokenize='unicode61')"
        )
    elif engine == "postgresql":
        # A stored tsvector column: matching and the index's rechecks read it instead of re-parsing tokens.
        schema_editor.execute(
            "ALTER TABLE disclosure_searchdoc ADD COLUMN IF NOT EXISTS tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED"
        )
        schema_editor.execute("DROP INDEX IF EXISTS disclosure_searchdoc_tsv")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS disclosure_searchdoc_tsv_gin ON disclosure_searchdoc USING gin (tsv)"
        )


def drop_engine_objects(schema_editor: BaseDatabaseSchemaEditor) -> None:
    engine = schema_editor.connection.vendor
    if engine == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif engine == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS disclosure_searchdoc_tsv_gin")
        schema_editor.execute("DROP INDEX IF EXISTS disclosure_searchdoc_tsv")
        schema_editor.execute("ALTER TABLE disclosure_searchdoc DROP COLUMN IF EXISTS tsv")


# ---- snippets -------------------------------------------------------------------------------------


def snippet(text: str, query: Query, width: int = 120) -> SafeString:
    """A window of `text` around the first match, HTML-escaped, matched terms in <mark>."""
    plain = normalise(text)
    terms = sorted(query.terms, key=len, reverse=True)
    first = min((i for i in (plain.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, first - width // 3)
    window = text[start : start + width]
    out = html.escape(window)
    if terms:
        pattern = re.compile("|".join(re.escape(html.escape(t)) for t in terms), re.IGNORECASE)
        out = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", out)
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + out + suffix)  # noqa: S308 - escaped above, only <mark> added


def highlight(text: str, query: Query) -> SafeString:
    out = html.escape(text)
    terms = sorted(query.terms, key=len, reverse=True)
    if terms:
        pattern = re.compile("|".join(re.escape(html.escape(t)) for t in terms), re.IGNORECASE)
        out = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", out)
    return mark_safe(out)  # noqa: S308 - escaped above, only <mark> added
