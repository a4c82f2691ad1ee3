"""Free text has a length limit (issue 11 §5): a 5,000,000-character report was stored; now every string of
every request body the API documents carries a maxLength from ggzy.kernel.limits."""

from typing import Any

import pytest

from ggzy.kernel import limits
from ggzy.supervision.models import Case

# Bounded by the request body limit instead: a Base64 attachment.
BODY_LIMITED = {("PhoneEvidenceIn", "note_base64")}


@pytest.mark.django_db
def test_a_5_million_character_report_is_refused_and_nothing_filed(client, network) -> None:  # type: ignore[no-untyped-def]
    before = Case.objects.count()
    response = client.post(
        "/api/supervision/reports",
        {"text": "x" * 5_000_000, "sector": "engineering"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert "text" in body["message"]["en"]
    assert Case.objects.count() == before


@pytest.mark.django_db
def test_a_report_at_the_limit_is_not_refused_for_its_length(client, network) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/supervision/reports",
        {"text": "举" * limits.TEXT_MAX, "sector": "engineering"},
        content_type="application/json",
    )
    assert response.status_code != 422 or "text" not in response.json()["message"]["en"]


def _strings(
    schema: dict[str, Any], components: dict[str, Any], path: str, seen: set[str]
) -> list[tuple[str, Any]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in components:  # a nested class's own document
            return []
        if name in seen:
            return []
        return _strings(components[name], components, name, seen | {name})
    found: list[tuple[str, Any]] = []
    for key in ("anyOf", "oneOf", "allOf"):
        subs = schema.get(key, [])
        if any(sub.get("type") == "number" for sub in subs):
            continue  # a Decimal: number or numeric string, bounded by max_digits
        for sub in subs:
            found += _strings(sub, components, path, seen)
    if (
        schema.get("type") == "string"
        and "enum" not in schema
        and schema.get("format")
        not in {
            "date",
            "date-time",
            "binary",
        }
    ):
        found.append((path, schema))
    for name, sub in schema.get("properties", {}).items():
        found += _strings(sub, components, f"{path}.{name}", seen)
    if isinstance(schema.get("items"), dict):
        found += _strings(schema["items"], components, f"{path}[]", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        found += _strings(schema["additionalProperties"], components, f"{path}{{}}", seen)
    if isinstance(schema.get("propertyNames"), dict):
        found += _strings(schema["propertyNames"], components, f"{path}{{key}}", seen)
    return found


SCHEMA_MODULES = [
    "catalogue.schemas",
    "credit.schemas",
    "evaluation.schemas",
    "experts.schemas",
    "registry.schemas",
    "supervision.schemas",
    "trading.schemas",
    # Input classes defined beside their endpoints:
    "bidding.api",
    "disclosure.api",
    "exchange.api",
    "registry.api",
]


def test_every_string_of_every_input_schema_has_a_max_length() -> None:
    """Every input class of every `schemas.py` and of the `api.py` files that define their own (the
    classes not named *Out), with nested ones."""
    import importlib
    import inspect

    from ninja import Schema

    unbounded = []
    for app in SCHEMA_MODULES:
        module = importlib.import_module(f"ggzy.{app}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, Schema) or cls.__module__ != module.__name__ or name.endswith("Out"):
                continue
            document = cls.model_json_schema()
            components = {name: document, **document.get("$defs", {})}
            for path, schema in _strings(document, components, name, {name}):
                owner, _, field = path.rpartition(".")
                if (owner.split(".")[-1], field) in BODY_LIMITED:
                    continue
                if "maxLength" not in schema:
                    unbounded.append(path)
    assert unbounded == []
