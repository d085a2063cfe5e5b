from typing import Any

import pytest

from shared_apps.accounts.models import User


@pytest.mark.django_db
def test_register_login_refresh_me(platform_api: Any) -> None:
    api = platform_api()
    response = api.post(
        "/api/v1/auth/register/", {"email": "Ada@Example.com", "password": "analytical-engine-42", "name": "Ada"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "ada@example.com"
    assert body["access"]
    assert body["refresh"]

    login = api.post("/api/v1/auth/login/", {"email": "ada@example.com", "password": "analytical-engine-42"})
    assert login.status_code == 200
    tokens = login.json()
    assert set(tokens) == {"access", "refresh"}

    refreshed = api.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200
    assert "access" in refreshed.json()

    api.headers["HTTP_AUTHORIZATION"] = f"Bearer {refreshed.json()['access']}"
    me = api.get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    assert me.json()["organizations"] == []


@pytest.mark.django_db
def test_register_duplicate_email_is_409_and_writes_nothing(platform_api: Any, make_user: Any) -> None:
    make_user(email="taken@example.com")
    response = platform_api().post(
        "/api/v1/auth/register/", {"email": "TAKEN@example.com", "password": "analytical-engine-42"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "EMAIL_TAKEN"
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1


@pytest.mark.django_db
def test_register_rejects_weak_password_and_bad_email_naming_both(platform_api: Any) -> None:
    response = platform_api().post("/api/v1/auth/register/", {"email": "nope", "password": "123"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_FAILED"
    assert set(error["fields"]) == {"email", "password"}
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_register_missing_fields_is_400_naming_them(platform_api: Any) -> None:
    response = platform_api().post("/api/v1/auth/register/", {})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"email", "password"}
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_login_with_wrong_password_is_401(platform_api: Any, make_user: Any) -> None:
    make_user(email="bob@example.com")
    response = platform_api().post("/api/v1/auth/login/", {"email": "bob@example.com", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_FAILED"


@pytest.mark.django_db
def test_registration_sends_a_welcome_email_after_commit(platform_api: Any, mailoutbox: Any) -> None:
    response = platform_api().post(
        "/api/v1/auth/register/", {"email": "grace@example.com", "password": "compiler-pioneer-1952", "name": "Grace"}
    )
    assert response.status_code == 201
    assert [(m.to, m.subject) for m in mailoutbox] == [(["grace@example.com"], "Welcome to NoCode Backend")]
    assert "Hello Grace" in mailoutbox[0].body


@pytest.mark.django_db
def test_rejected_registration_sends_no_email(platform_api: Any, mailoutbox: Any) -> None:
    assert platform_api().post("/api/v1/auth/register/", {"email": "x@example.com", "password": "1"}).status_code == 400
    assert mailoutbox == []


@pytest.mark.django_db
def test_register_refuses_unknown_keys_and_creates_nothing(platform_api: Any) -> None:
    body = {"email": "eve@example.com", "password": "analytical-engine-42", "is_staff": True}
    response = platform_api().post("/api/v1/auth/register/", body)
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"is_staff": ["Unknown key."]}
    assert not User.objects.filter(email="eve@example.com").exists()
