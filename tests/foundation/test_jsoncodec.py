"""The one JSON input boundary (foundation.jsoncodec): limits, exact integers, and the 400s of every JSON endpoint,
the unauthenticated ones included."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared_apps.accounts.models import User
from shared_apps.foundation.jsoncodec import (
    JSON_INVALID_UNICODE,
    JSON_TOO_DEEP,
    MALFORMED_JSON,
    MAX_DEPTH,
    JsonInputError,
    json_dumps,
    json_loads,
)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_depth_limit_is_exact() -> None:
    assert json_loads(_nested(MAX_DEPTH)) == json.loads(_nested(MAX_DEPTH))
    with pytest.raises(JsonInputError) as refused:
        json_loads(_nested(MAX_DEPTH + 1))
    assert refused.value.code == JSON_TOO_DEEP
    with pytest.raises(JsonInputError) as very_deep:
        json_loads(_nested(10_000))
    assert very_deep.value.code == JSON_TOO_DEEP
    objects = b'{"a":' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1)
    with pytest.raises(JsonInputError) as deep_objects:
        json_loads(objects)
    assert deep_objects.value.code == JSON_TOO_DEEP


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'"\\ud800"', JSON_INVALID_UNICODE),
        (b'{"a": "x\\udc00y"}', JSON_INVALID_UNICODE),
        (b'"\xed\xa0\x80"', JSON_INVALID_UNICODE),  # a surrogate encoded as UTF-8 bytes
        (b'"\xff"', JSON_INVALID_UNICODE),
        ("\ud800", JSON_INVALID_UNICODE),  # a str that cannot be encoded
        (b"NaN", MALFORMED_JSON),
        (b"[Infinity]", MALFORMED_JSON),
        (b"1e400", MALFORMED_JSON),
        (b"{", MALFORMED_JSON),
        (b"", MALFORMED_JSON),
        (b"[" + b"1" * 5000 + b"]", MALFORMED_JSON),  # more digits than Python's int() reads
    ],
)
def test_refusals_name_their_code(raw: bytes | str, code: str) -> None:
    with pytest.raises(JsonInputError) as refused:
        json_loads(raw)
    assert refused.value.code == code


def test_integers_stay_exact_beyond_64_bits() -> None:
    assert json_loads(b"[18446744073709551616]") == [2**64]
    assert json_loads(b'{"a": {"b": 123456789012345678901234567890}}') == {"a": {"b": 123456789012345678901234567890}}
    assert json_loads(b"-9223372036854775809") == -(2**63) - 1
    assert json_loads(b"[1e20]") == [1e20]  # a float literal stays a float
    assert json_loads("\U0001f600".join(['"', '"'])) == "\U0001f600"  # a valid pair


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(JSON_VALUES)
def test_every_json_document_reads_back_exactly(value: Any) -> None:
    assert json_loads(json.dumps(value)) == value


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_any_bytes_parse_or_are_refused_with_a_code(raw: bytes) -> None:
    code = None
    try:
        json_loads(raw)
    except JsonInputError as exc:  # anything else (a crash) fails the test
        code = exc.code
    assert code in (None, MALFORMED_JSON, JSON_TOO_DEEP, JSON_INVALID_UNICODE)


def test_the_renderer_writes_integers_beyond_64_bits_exactly() -> None:
    """orjson cannot; the fallback keeps a value stored before field types refused them readable, in one format."""
    assert json_dumps({"n": 2**63 - 1}) == b'{"n":9223372036854775807}'
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert json_dumps({"n": 2**64, "at": when, "price": Decimal("1.50")}) == (
        b'{"n":18446744073709551616,"at":"2026-01-02T03:04:05Z","price":"1.50"}'
    )
    assert json_dumps({"at": when}) == b'{"at":"2026-01-02T03:04:05Z"}'  # the same format either way
    with pytest.raises(TypeError):
        json_dumps({"n": 2**64, "x": object()})


# --- through HTTP ------------------------------------------------------------------------------------------------


def _raw_post(client: Any, host: str, path: str, body: bytes, **headers: Any) -> Any:
    return client.post(path, data=body, content_type="application/json", HTTP_HOST=host, **headers)


@pytest.mark.parametrize("path", ["/api/v1/auth/login/", "/api/v1/auth/register/", "/api/v1/auth/refresh/"])
def test_deep_json_on_unauthenticated_platform_endpoints_is_400(client: Any, path: str, db: None) -> None:
    response = _raw_post(client, "localhost", path, b'{"email": ' + _nested(10_000) + b"}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == JSON_TOO_DEEP
    assert response.json()["error"]["fields"] == {"body": [f"JSON nested too deeply (at most {MAX_DEPTH} levels)."]}
    assert User.objects.count() == 0


def test_lone_surrogate_in_registration_is_400_and_nothing_written(client: Any, db: None) -> None:
    body = b'{"email": "a@example.com", "password": "long-enough-pass-1", "name": "\\ud800"}'
    response = _raw_post(client, "localhost", "/api/v1/auth/register/", body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, JSON_INVALID_UNICODE)
    assert User.objects.count() == 0


def test_empty_json_body_is_400(client: Any, owner: Any, db: None) -> None:
    # Django's test client drops the Content-Type of an empty body: set it as a client like curl sends it.
    response = client.post(
        "/api/v1/auth/login/",
        data=b"",
        content_type="application/json",
        HTTP_HOST="localhost",
        CONTENT_TYPE="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "EMPTY_BODY",
            "message": "The body is empty; send a JSON value.",
            "fields": {"body": ["Required."]},
        }
    }
