"""Chinese tokenisation for search: `rjieba` with a procurement word list, the same for documents and queries.

Documents are cut in search mode (a long word also yields its dictionary sub-words, so 政府采购 is found by
采购 too); queries are cut in the default mode. HMM is off both ways: unknown runs split the same way in a
document and in a query, whatever surrounds them. Tokens are normalised (NFKC, lower case) and reduced to
runs of Chinese characters or of ASCII letters and digits, so that SQLite FTS5 (unicode61) and PostgreSQL's
`simple` parser see exactly the same words in the space-joined token text.
"""

import functools
import re
import unicodedata
from pathlib import Path

import rjieba

DICTIONARY = Path(__file__).resolve().parent / "data" / "procurement_dict.txt"
# PostgreSQL keeps word positions up to 16383: index no more tokens than that on either database.
MAX_TOKENS = 16000
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECE = re.compile(f"[{_HAN}]+|[0-9a-z]+")
STOPWORDS = frozenset(
    ["的", "了", "和", "与", "及", "或", "在", "是", "对", "由", "为", "于", "等", "之", "其"]
)


def procurement_words() -> list[str]:
    lines = DICTIONARY.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


@functools.cache
def _jieba() -> rjieba.Jieba:
    jieba = rjieba.Jieba()
    for word in procurement_words():
        jieba.add_word(word, None, None)
    return jieba


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _keep(raw: list[str]) -> list[str]:
    out: list[str] = []
    for token in raw:
        out.extend(p for p in _PIECE.findall(token) if p not in STOPWORDS)
    return out


def document_tokens(text: str) -> list[str]:
    """Tokens of a text to index (search mode), at most MAX_TOKENS."""
    return _keep(_jieba().cut_for_search(normalise(text), False))[:MAX_TOKENS]


def query_tokens(text: str) -> list[str]:
    """Tokens of a query word or phrase (default mode)."""
    return _keep(_jieba().cut(normalise(text), False))


def index_text(text: str) -> str:
    """What the database indexes: the document's tokens joined by spaces."""
    return " ".join(document_tokens(text))
