"""OCDS 1.1 releases, release packages and record packages, one contracting process per project.

ocid = settings.OCDS_OCID_PREFIX (e.g. `ocds-xxxxxx-`, the prefix OCP registers for the publisher) + the
统一交易标识码. Each public step is a release with a stable id and its own date: the notice (tender), each
clarification or amendment (tenderAmendment), the opening (tenderers), the opening record (bids), the
candidates' publicity and the award (awards), the contract (contracts), a termination (tenderCancellation).
The record's compiledRelease is merged here (OCDS merge rules for what our releases hold) and checked in
the tests against OCP's ocdsmerge. Lots follow the shape of OCP's lots extension and opening prices that of the bids extension; both are
additional fields (no extension is declared, so validation needs nothing but the core schema).
Everything comes from `public.project_view`, i.e. through the disclosure table.

Per procedure: procurementMethod is open or selective (邀请招标), procurementMethodDetails names the method
with its board (工程建设项目公开招标, 政府采购邀请招标); mainProcurementCategory is the lots' contract kind
(works, goods, services). The buyer is the principal (招标人/采购人); the procuringEntity is the agent
(招标代理机构/采购代理机构) where there is one, else the principal itself. A method without candidates'
publicity (government procurement) has no candidates' release: its result notice is one award, the winner's,
active from the purchaser's confirmation, with the notice period in its description.
"""

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from ggzy.disclosure.public import method_details, project_view
from ggzy.disclosure.rules import Stage
from ggzy.kernel import clock
from ggzy.trading.models import Lot, Project
from ggzy.trading.specs import spec

OCDS_VERSION = "1.1"

DOC_TYPE = {
    "tender_documents": "biddingDocuments",
    "clarification": "clarifications",
    "amendment": "biddingDocuments",
}
LOT_STATUS = {
    Lot.State.DRAFT: "planning",
    Lot.State.BIDDING: "active",
    Lot.State.OPENING: "active",
    Lot.State.EVALUATION: "active",
    Lot.State.PUBLICITY: "active",
    Lot.State.SUSPENDED: "active",
    Lot.State.AWARDED: "complete",
    Lot.State.CONTRACTED: "complete",
    Lot.State.ARCHIVED: "complete",
    Lot.State.FAILED: "unsuccessful",
    Lot.State.TERMINATED: "cancelled",
}


def ocid_for(project: Project) -> str:
    return f"{getattr(settings, 'OCDS_OCID_PREFIX', 'ocds-ggzy00-')}{project.unified_deal_code}"


def base_url() -> str:
    return str(getattr(settings, "PORTAL_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def _date(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _money(amount: Decimal | str | float | None) -> dict[str, Any] | None:
    if amount is None or amount == "":
        return None
    value = Decimal(str(amount))
    return {"amount": int(value) if value == value.to_integral_value() else float(value), "currency": "CNY"}


def _org(name: str, uscc: str) -> dict[str, str]:
    return {"id": f"CN-USCC-{uscc}", "name": name}


def _party(name: str, uscc: str, roles: list[str]) -> dict[str, Any]:
    return {
        "id": f"CN-USCC-{uscc}",
        "name": name,
        "identifier": {"scheme": "CN-USCC", "id": uscc, "legalName": name},
        "roles": roles,
    }


def _release(ocid: str, suffix: str, moment: datetime, tags: list[str], **sections: Any) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "id": f"{ocid}-{suffix}",
        "date": _date(moment),
        "tag": tags,
        "initiationType": "tender",
        "language": "zh",
        **sections,
    }


def releases(project: Project) -> list[dict[str, Any]]:
    """Every release of the project's contracting process, oldest first."""
    view = project_view(project)
    if view["stage"] < Stage.PUBLISHED or not view["notices"]:
        return []
    ocid = ocid_for(project)
    url = base_url()
    principal = _org(view["principal_name"], view["principal_uscc"])
    if view.get("agent_name"):
        procuring = _org(view["agent_name"], view["agent_uscc"])
        parties = [
            _party(view["principal_name"], view["principal_uscc"], ["buyer"]),
            _party(view["agent_name"], view["agent_uscc"], ["procuringEntity"]),
        ]
    else:
        procuring = principal
        parties = [_party(view["principal_name"], view["principal_uscc"], ["buyer", "procuringEntity"])]
    kinds = {lot["contract_kind"] for lot in view["lots"]}
    out: list[dict[str, Any]] = []
    lots_by_notice: dict[int, list[dict[str, Any]]] = {}
    for lot in view["lots"]:
        lots_by_notice.setdefault(lot["notice_id"], []).append(lot)

    for notice in view["notices"]:
        lots = lots_by_notice.get(notice["id"], [])
        value = sum(
            (Decimal(str(lot["control_price"] or lot["estimated_value"])) for lot in lots), Decimal(0)
        )
        docs = [d for d in notice["documents"] if d["kind"] == "tender_documents"]
        tender: dict[str, Any] = {
            "id": project.code,
            "title": notice["title"],
            "description": notice["body"],
            "status": "active",
            "procuringEntity": procuring,
            "value": _money(value),
            "procurementMethod": spec(notice["procedure"]).ocds_methods.get(notice["method"], "open"),
            "procurementMethodDetails": method_details(spec(notice["procedure"]), notice["method"]),
            "tenderPeriod": {
                "startDate": _date(notice["docs_from"]),
                "endDate": _date(notice["bid_deadline"]),
            },
            "documents": [_document(d, notice["id"], url) for d in docs],
            "lots": [
                {
                    "id": lot["code"],
                    "title": lot["name"],
                    "status": "active",
                    "value": _money(lot["control_price"] or lot["estimated_value"]),
                }
                for lot in lots
            ],
        }
        if len(kinds) == 1:
            tender["mainProcurementCategory"] = next(iter(kinds))
        out.append(
            _release(
                ocid,
                f"notice-{notice['id']}",
                notice["published_at"],
                ["tender"],
                parties=parties,
                buyer=principal,
                tender=tender,
            )
        )
        for doc in notice["documents"]:
            if doc["kind"] == "tender_documents":
                continue
            update: dict[str, Any] = {
                "id": project.code,
                "documents": [_document(doc, notice["id"], url)],
                "amendments": [
                    {
                        "id": f"document-{doc['id']}",
                        "date": _date(doc["published_at"]),
                        "description": doc["title"],
                        "rationale": {"clarification": "澄清", "amendment": "修改"}.get(doc["kind"], ""),
                    }
                ],
            }
            if doc.get("new_bid_deadline"):
                update["tenderPeriod"] = {"endDate": _date(doc["new_bid_deadline"])}
            out.append(
                _release(
                    ocid, f"document-{doc['id']}", doc["published_at"], ["tenderAmendment"], tender=update
                )
            )
        if notice.get("terminated_at"):
            out.append(
                _release(
                    ocid,
                    f"termination-{notice['id']}",
                    notice["terminated_at"],
                    ["tenderCancellation"],
                    tender={
                        "id": project.code,
                        "status": "cancelled",
                        "statusDetails": notice.get("termination_reason", ""),
                        "lots": [{"id": lot["code"], "status": "cancelled"} for lot in lots],
                    },
                )
            )

    for lot in view["lots"]:
        out.extend(_lot_releases(project, ocid, lot))
    out.sort(key=lambda r: (r["date"], r["id"]))
    return out


def _document(doc: dict[str, Any], notice_id: int, url: str) -> dict[str, Any]:
    return {
        "id": f"document-{doc['id']}",
        "documentType": DOC_TYPE.get(doc["kind"], "biddingDocuments"),
        "title": doc["title"],
        "url": f"{url}/portal/notices/{notice_id}/#doc-{doc['id']}",
        "datePublished": _date(doc["published_at"]),
        "language": "zh",
    }


def _lot_releases(project: Project, ocid: str, lot: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    code = lot["code"]
    opening = lot.get("opening")
    if opening:
        rows = opening["rows"]
        tenderers = [_org(r["bidder"], r["uscc"]) for r in rows if r.get("bidder") and r.get("uscc")]
        parties = [
            _party(r["bidder"], r["uscc"], ["tenderer"]) for r in rows if r.get("bidder") and r.get("uscc")
        ]
        out.append(
            _release(
                ocid,
                f"opening-{code}",
                opening["started_at"],
                ["tenderUpdate"],
                parties=parties,
                tender={"id": project.code, "numberOfTenderers": len(tenderers), "tenderers": tenderers},
            )
        )
        if opening.get("closed_at"):
            details = []
            for i, row in enumerate(rows, start=1):
                detail: dict[str, Any] = {
                    "id": f"{code}-{i}",
                    "status": "valid" if row.get("status") == "decrypted" else "withdrawn",
                    "tenderers": [_org(row["bidder"], row["uscc"])],
                    "relatedLots": [code],
                }
                money = _money(row.get("price"))
                if money:
                    detail["value"] = money
                details.append(detail)
            out.append(
                _release(
                    ocid,
                    f"opening-record-{code}",
                    opening["closed_at"],
                    ["tenderUpdate"],
                    bids={"details": details},
                )
            )
    if lot["state"] in {Lot.State.FAILED, Lot.State.TERMINATED} and not lot["candidates"]:
        out.append(
            _release(
                ocid,
                f"lot-{lot['state']}-{code}",
                lot["state_changed_at"],
                ["tenderUpdate"],
                tender={
                    "id": project.code,
                    "lots": [
                        {
                            "id": code,
                            "status": LOT_STATUS[lot["state"]],
                            "statusDetails": lot.get("outcome_reason", ""),
                        }
                    ],
                },
            )
        )
    publicity = lot.get("publicity")
    if lot["candidates"] and publicity:
        awards = [
            {
                "id": f"{code}-{c['rank']}",
                "title": f"{lot['name']} 第{c['rank']}名中标候选人",
                "status": "pending",
                "date": _date(publicity["from"]),
                "value": _money(c.get("price")),
                "suppliers": [_org(c["bidder"], c["uscc"])],
                "relatedLots": [code],
            }
            for c in lot["candidates"]
        ]
        out.append(_release(ocid, f"candidates-{code}", publicity["from"], ["award"], awards=awards))
    award = lot.get("award")
    if lot.get("framework"):
        out.extend(_framework_releases(ocid, lot))
    if award and lot.get("result"):
        out.extend(_result_releases(project, ocid, lot))
    elif award:
        winner_id = f"CN-USCC-{award['winner_uscc']}"
        awards = []
        for c in lot["candidates"]:
            won = f"CN-USCC-{c['uscc']}" == winner_id
            entry: dict[str, Any] = {
                "id": f"{code}-{c['rank']}",
                "status": "active" if won else "unsuccessful",
            }
            if won:
                entry["date"] = _date(award["awarded_at"])
                entry["value"] = _money(award["price"])
            awards.append(entry)
        out.append(
            _release(
                ocid,
                f"award-{code}",
                award["awarded_at"],
                ["award"],
                parties=[_party(award["winner"], award["winner_uscc"], ["tenderer", "supplier"])],
                awards=awards,
                tender={"id": project.code, "lots": [{"id": code, "status": "complete"}]},
            )
        )
        contract = lot.get("contract")
        if contract:
            winner_rank = next((c["rank"] for c in lot["candidates"] if c["uscc"] == award["winner_uscc"]), 1)
            out.append(
                _release(
                    ocid,
                    f"contract-{code}",
                    contract["signed_at"],
                    ["contract"],
                    contracts=[
                        {
                            "id": code,
                            "awardID": f"{code}-{winner_rank}",
                            "title": f"{project.name} {lot['name']} 合同",
                            "status": "active",
                            "value": _money(contract["amount"]),
                            "dateSigned": _date(contract["signed_at"]),
                        }
                    ],
                )
            )
    return out


def _framework_releases(ocid: str, lot: dict[str, Any]) -> list[dict[str, Any]]:
    """A framework agreement (框架协议): one award to every admitted supplier at the admission, and the
    agreement as the contract once signed; each call-off's value is summed into it as the purchases go."""
    code, agreement = lot["code"], lot["framework"]
    award_id = f"{code}-framework"
    suppliers = [_org(m["supplier"], m["uscc"]) for m in agreement["members"]]
    out = [
        _release(
            ocid,
            f"framework-{code}",
            agreement["admitted_at"],
            ["award"],
            parties=[
                _party(m["supplier"], m["uscc"], ["tenderer", "supplier"]) for m in agreement["members"]
            ],
            awards=[
                {
                    "id": award_id,
                    "title": f"{lot['name']} 框架协议入围结果",
                    "description": "协议价格："
                    + "；".join(f"{m['supplier']} {m['price']}元" for m in agreement["members"]),
                    "status": "active",
                    "date": _date(agreement["admitted_at"]),
                    "suppliers": suppliers,
                    "relatedLots": [code],
                }
            ],
        )
    ]
    if agreement.get("signed_at"):
        spent = sum((Decimal(str(c["amount"])) for c in agreement["call_offs"]), Decimal(0))
        out.append(
            _release(
                ocid,
                f"framework-contract-{code}",
                agreement["signed_at"],
                ["contract"],
                contracts=[
                    {
                        "id": f"{code}-framework-agreement",
                        "awardID": award_id,
                        "title": f"{lot['name']} 框架协议",
                        "status": "active",
                        "dateSigned": _date(agreement["signed_at"]),
                        "period": {
                            "startDate": f"{agreement['term_from'].isoformat()}T00:00:00+08:00",
                            "endDate": f"{agreement['term_until'].isoformat()}T23:59:59+08:00",
                        },
                        "value": _money(spent),
                    }
                ],
            )
        )
    return out


def _result_releases(project: Project, ocid: str, lot: dict[str, Any]) -> list[dict[str, Any]]:
    """A method without candidates' publicity (government procurement): the result notice is one award,
    the winner's, active from the confirmation; the contract refers to it."""
    code = lot["code"]
    award, result = lot["award"], lot["result"]
    award_id = f"{code}-result"
    period = f"中标结果公告期 {_date(result['notice_from'])} 至 {_date(result['notice_until'])}"
    if result.get("deemed"):
        period += "；采购人逾期未确定，视为确定排名第一的中标候选人"
    if result.get("decision_reason"):
        period += f"；未确定排名第一的理由：{result['decision_reason']}"
    out = [
        _release(
            ocid,
            f"award-{code}",
            award["awarded_at"],
            ["award"],
            parties=[_party(award["winner"], award["winner_uscc"], ["tenderer", "supplier"])],
            awards=[
                {
                    "id": award_id,
                    "title": f"{lot['name']} 中标结果公告",
                    "description": period,
                    "status": "active",
                    "date": _date(award["awarded_at"]),
                    "value": _money(award["price"]),
                    "suppliers": [_org(award["winner"], award["winner_uscc"])],
                    "relatedLots": [code],
                    "documents": [
                        {
                            "id": f"result-{code}",
                            "documentType": "awardNotice",
                            "title": f"{project.name} {lot['name']} 中标结果公告",
                            "url": f"{base_url()}/portal/projects/{project.code}/#lot-{code}",
                            "datePublished": _date(result["notice_from"]),
                            "language": "zh",
                        }
                    ],
                }
            ],
            tender={"id": project.code, "lots": [{"id": code, "status": "complete"}]},
        )
    ]
    contract = lot.get("contract")
    if contract:
        out.append(
            _release(
                ocid,
                f"contract-{code}",
                contract["signed_at"],
                ["contract"],
                contracts=[
                    {
                        "id": code,
                        "awardID": award_id,
                        "title": f"{project.name} {lot['name']} 合同",
                        "status": "active",
                        "value": _money(contract["amount"]),
                        "dateSigned": _date(contract["signed_at"]),
                    }
                ],
            )
        )
    return out


def _clean(value: Any) -> Any:
    """Drop None values and empty strings (OCDS discourages empty fields)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def release_package(project: Project) -> dict[str, Any]:
    ocid = ocid_for(project)
    return _clean(
        {
            "uri": f"{base_url()}/api/disclosure/ocds/{project.code}/releases",
            "version": OCDS_VERSION,
            "publishedDate": _date(clock.now()),
            "publisher": _publisher(),
            "releases": [r for r in releases(project) if r["ocid"] == ocid],
        }
    )


def _merge(into: dict[str, Any], update: dict[str, Any]) -> None:
    """OCDS 1.1 merging for what our releases hold: objects merge field by field, arrays of objects with
    ids merge by id (in order of first appearance), any other value is replaced."""
    for key, value in update.items():
        current = into.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            _merge(current, value)
        elif (
            isinstance(value, list)
            and isinstance(current, list)
            and all(isinstance(v, dict) and "id" in v for v in [*value, *current])
        ):
            by_id = {item["id"]: item for item in current}
            for item in value:
                if item["id"] in by_id:
                    _merge(by_id[item["id"]], item)
                else:
                    copy = json.loads(json.dumps(item))
                    current.append(copy)
                    by_id[item["id"]] = copy
        else:
            into[key] = json.loads(json.dumps(value))


def compiled(release_list: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release (the tests check it equals OCP's ocdsmerge reference implementation)."""
    result: dict[str, Any] = {"tag": ["compiled"]}
    for release in sorted(release_list, key=lambda r: r["date"]):
        body = {k: v for k, v in release.items() if k not in {"tag", "id", "date", "ocid"}}
        result["id"] = f"{release['ocid']}-{release['date']}"
        result["date"] = release["date"]
        result["ocid"] = release["ocid"]
        _merge(result, body)
    return result


def record(project: Project) -> dict[str, Any] | None:
    items = _clean(releases(project))
    if not items:
        return None
    return {"ocid": ocid_for(project), "releases": items, "compiledRelease": compiled(items)}


def record_package(projects: list[Project], uri: str | None = None) -> dict[str, Any]:
    records = [r for r in (record(p) for p in projects) if r is not None]
    return {
        "uri": uri or f"{base_url()}/api/disclosure/ocds/records",
        "version": OCDS_VERSION,
        "publishedDate": _date(clock.now()),
        "publisher": _publisher(),
        "records": records,
    }


def _publisher() -> dict[str, str]:
    from ggzy.exchange.models import Node

    province = Node.objects.filter(level=Node.Level.PROVINCE).first()
    name = province.name if province else str(getattr(settings, "PLATFORM_NAME", "公共资源交易平台"))
    publisher = {"name": name}
    if province is not None and province.platform_code:
        publisher["scheme"] = "CN-PLATFORM"
        publisher["uid"] = province.platform_code
    return publisher
