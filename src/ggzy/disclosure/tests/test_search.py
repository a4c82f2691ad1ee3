"""Chinese full-text search: rjieba tokens, FTS5 on SQLite and tsvector('simple') on PostgreSQL behind one
interface. The same corpus and queries run on both databases (`make test` runs the suite on each); every
result is checked against a pure-Python reference of the query language and against fixed expectations, so
both engines give exactly the same rows."""

from datetime import timedelta
from decimal import Decimal

import pytest

from ggzy.disclosure import index, search
from ggzy.disclosure.models import SearchDoc
from ggzy.disclosure.queries import Filters, find, region_prefix
from ggzy.disclosure.tokenize import document_tokens, procurement_words, query_tokens
from ggzy.kernel import clock
from ggzy.testing import local

pytestmark = pytest.mark.django_db

CORPUS = [
    (
        "notice:1",
        "engineering",
        "640100",
        "银川市第一中学教学楼建设工程施工招标公告",
        "本项目已具备招标条件，现对该项目的施工进行公开招标。",
        "25000000",
    ),
    (
        "notice:2",
        "procurement",
        "640300",
        "吴忠市人民医院医用耗材政府采购项目",
        "本项目采用竞争性磋商方式，欢迎合格供应商参加。",
        "3000000",
    ),
    (
        "notice:3",
        "engineering",
        "640323",
        "盐池县道路工程监理服务招标公告",
        "监理标段划分为两个标段，投标人可同时投标。",
        "1500000",
    ),
    (
        "notice:4",
        "engineering",
        "640100",
        "银川市第二中学教学楼改造工程竞争性谈判公告",
        "改造工程包括外墙保温与屋面防水。",
        "800000",
    ),
    (
        "document:5",
        "engineering",
        "640100",
        "招标文件（银川市第一中学教学楼建设工程施工招标公告）",
        "第一章 招标公告 第二章 投标人须知 第三章 评标办法（综合评估法） 第四章 合同条款",
        "25000000",
    ),
    (
        "notice:6",
        "state_assets",
        "640000",
        "国有产权转让挂牌公告",
        "宁夏某国有企业股权以挂牌方式公开转让。",
        "12000000",
    ),
    (
        "cleanup:7",
        "",
        "640000",
        "关于公共资源交易领域规则清理结果的公告",
        "经清理，废止《某市建设工程招标投标管理办法》，修订两件。",
        None,
    ),
]

QUERIES = {
    "教学楼": {"notice:1", "notice:4", "document:5"},
    "教学楼 施工": {"notice:1", "document:5"},
    '"招标公告"': {"notice:1", "notice:3", "document:5"},
    "竞争性磋商": {"notice:2"},
    "磋商": {"notice:2"},
    "采购": {"notice:2"},
    "监理 NEAR/2 标段": {"notice:3"},
    "评标办法": {"document:5"},
    "挂牌": {"notice:6"},
    "规则清理": {"cleanup:7"},
    "招标 NEAR/1 不存在": set(),
    "不存在的词语": set(),
}


def corpus() -> None:
    clock.freeze(local(2026, 3, 2, 9))
    entries = []
    for i, (key, category, region, title, body, amount) in enumerate(CORPUS):
        kind = key.split(":")[0]
        entries.append(
            index.Entry(
                key=key,
                kind=kind,
                title=title,
                body=body,
                url=f"/x/{i}",
                published_at=local(2026, 3, 1, 9) + timedelta(days=i),
                project_code=f"P{i}" if kind != "cleanup" else "",
                category=category,
                method="open",
                region_code=region,
                status="bidding",
                amount=Decimal(amount) if amount else None,
            )
        )
    index._write(entries, set())
    clock.release()


def reference(query: search.Query) -> set[str]:
    """The query language evaluated in Python over the stored tokens."""
    found = set()
    for doc in SearchDoc.objects.all():
        tokens = doc.tokens.split()
        ok = True
        for clause in query.clauses:
            if isinstance(clause, search.Phrase):
                n = len(clause.tokens)
                ok = any(tuple(tokens[i : i + n]) == clause.tokens for i in range(len(tokens)))
            else:
                lefts = [i for i, t in enumerate(tokens) if t == clause.left]
                rights = [j for j, t in enumerate(tokens) if t == clause.right]
                ok = any(0 < abs(i - j) <= clause.distance + 1 for i in lefts for j in rights)
            if not ok:
                break
        if ok:
            found.add(doc.key)
    return found


def keys(text: str, **filters: object) -> list[str]:
    qs, _ = find(Filters(q=text, **filters))  # type: ignore[arg-type]
    return [d.key for d in qs]


@pytest.mark.parametrize(("text", "expected"), list(QUERIES.items()))
def test_same_results_as_the_reference_on_this_database(text: str, expected: set[str]) -> None:
    corpus()
    query = search.parse(text)
    found = keys(text)
    assert set(found) == reference(query) == expected
    assert len(found) == len(set(found))


def test_results_are_newest_first_and_filters_combine_with_search() -> None:
    corpus()
    assert keys("教学楼") == ["document:5", "notice:4", "notice:1"]
    assert keys("教学楼", kind="notice") == ["notice:4", "notice:1"]
    assert keys("招标", category="engineering", region="640300") == ["notice:3"]  # 盐池县 is in 吴忠市
    assert keys("", amount_min=Decimal("1000000"), amount_max=Decimal("5000000")) == ["notice:3", "notice:2"]
    assert keys("", date_from=local(2026, 3, 4).date(), date_to=local(2026, 3, 5).date()) == [
        "document:5",
        "notice:4",
    ]
    assert keys("教学楼", method="invited") == []


def test_dictionary_and_normalisation() -> None:
    assert {"招标", "竞争性磋商", "政府采购", "标段"} <= set(procurement_words())
    assert query_tokens("竞争性磋商") == ["竞争性磋商"]
    assert "磋商" in document_tokens("采用竞争性磋商方式")  # search mode yields the parts too
    assert query_tokens("Ａ０８ 标段，的") == ["a08", "标段"]  # full-width folded, punctuation and 的 dropped
    assert region_prefix("640100") == "6401" and region_prefix("640000") == "64"


def test_snippets_highlight_the_query_words_and_escape_html() -> None:
    query = search.parse("教学楼")
    snippet = search.snippet("<b>银川</b>第一中学教学楼建设工程", query)
    assert "<mark>教学楼</mark>" in snippet and "&lt;b&gt;" in snippet


def test_engine_expressions_say_the_same() -> None:
    query = search.parse('教学楼 "施工 招标" 监理 NEAR/2 标段')
    assert search.fts5_expression(query) == '"教学楼" AND "施工 招标" AND NEAR("监理" "标段", 2)'
    assert search.tsquery_expression(query).startswith(
        "('教学楼') & ('施工' <-> '招标') & ('监理' <1> '标段' | "
    )


def test_sweep_is_idempotent_and_rebuild_restores(finished) -> None:  # type: ignore[no-untyped-def]
    assert index.sweep() == 0
    before = sorted(SearchDoc.objects.values_list("key", "digest"))
    index.rebuild()
    assert sorted(SearchDoc.objects.values_list("key", "digest")) == before
    assert keys("模拟教学楼")  # the finished trade's notice is found
    assert any(k.startswith("result:") for k in keys("中标结果公告"))
    assert any(k.startswith("document:") for k in keys("评标办法"))  # the text of the tender documents
