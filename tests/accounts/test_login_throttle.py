"""Failed logins are limited per account and per client address (429 with Retry-After); registrations per address."""

from typing import Any

import pytest

from shared_apps.accounts.models import User
from tests.conftest import PASSWORD

LOGIN = "/api/v1/auth/login/"
WINDOW = 900


@pytest.fixture
def limits(settings: Any) -> Any:
    def apply(**values: int) -> None:
        settings.NOCODE = {**settings.NOCODE, "LOGIN_WINDOW_SECONDS": WINDOW, **values}

    return apply


def _login(api: Any, email: str, password: str, address: str = "127.0.0.1") -> Any:
    return api.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=address)


def _assert_throttled(response: Any) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= WINDOW
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("RATE_LIMITED", {})
    assert error["message"].startswith("Too many failed logins; try again later.")


def test_thirty_wrong_passwords_end_in_429_per_account(
    platform_api: Any, make_user: Any, limits: Any, db: None
) -> None:
    make_user(email="bob@example.com")
    make_user(email="eve@example.com")
    limits(LOGIN_FAILURES_PER_ACCOUNT=5, LOGIN_FAILURES_PER_ADDRESS=1000)
    api = platform_api()
    statuses = [_login(api, "bob@example.com", "wrong", f"10.0.0.{i}").status_code for i in range(30)]
    assert statuses == [401] * 5 + [429] * 25  # from 30 addresses: the account's own limit
    _assert_throttled(_login(api, "BOB@example.com", PASSWORD, "10.0.1.1"))  # even the right password, any case
    assert _login(api, "eve@example.com", PASSWORD, "10.0.0.1").status_code == 200  # other accounts are not affected


def test_wrong_passwords_from_one_address_end_in_429_for_every_account(
    platform_api: Any, make_user: Any, limits: Any, db: None
) -> None:
    for name in ("a", "b", "c", "d"):
        make_user(email=f"{name}@example.com")
    limits(LOGIN_FAILURES_PER_ACCOUNT=100, LOGIN_FAILURES_PER_ADDRESS=3)
    api = platform_api()
    statuses = [_login(api, f"{name}@example.com", "wrong", "192.0.2.9").status_code for name in ("a", "b", "c")]
    assert statuses == [401, 401, 401]
    _assert_throttled(_login(api, "d@example.com", PASSWORD, "192.0.2.9"))
    assert _login(api, "d@example.com", PASSWORD, "192.0.2.10").status_code == 200


def test_successful_logins_are_not_counted(platform_api: Any, make_user: Any, limits: Any, db: None) -> None:
    make_user(email="bob@example.com")
    limits(LOGIN_FAILURES_PER_ACCOUNT=2, LOGIN_FAILURES_PER_ADDRESS=2)
    api = platform_api()
    assert [_login(api, "bob@example.com", PASSWORD).status_code for _ in range(5)] == [200] * 5


def test_registrations_are_limited_per_address(platform_api: Any, limits: Any, db: None) -> None:
    limits(REGISTRATIONS_PER_ADDRESS=2)
    api = platform_api()

    def register(n: int) -> Any:
        body = {"email": f"new{n}@example.com", "password": "analytical-engine-42"}
        return api.post("/api/v1/auth/register/", body, REMOTE_ADDR="198.51.100.3")

    assert [register(n).status_code for n in range(3)] == [201, 201, 429]
    assert sorted(User.objects.values_list("email", flat=True)) == ["new0@example.com", "new1@example.com"]
