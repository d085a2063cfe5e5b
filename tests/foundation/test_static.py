"""Static files (console styles, Swagger UI / ReDoc assets) are served by the web process itself (WhiteNoise)."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import Api, project_host

pytestmark = pytest.mark.django_db


def test_whitenoise_comes_right_after_the_security_middleware() -> None:
    middleware = settings.MIDDLEWARE
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"


@pytest.fixture
def collected(settings: Any, tmp_path: Path) -> Path:
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", "--noinput", "--verbosity", "0")
    return Path(settings.STATIC_ROOT)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/admin/css/base.css", "text/css"),
        ("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", "text/javascript"),
        ("/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js", "text/javascript"),
    ],
)
def test_collected_files_are_served_on_the_platform_and_project_hosts(
    collected: Path, owner: Any, make_project: Any, path: str, content_type: str
) -> None:
    make_project(owner, slug="shop")
    expected = (collected / path.removeprefix("/static/")).read_bytes()
    for host in (settings.BASE_DOMAIN, project_host("shop")):
        response = Api(host).get(path)
        assert response.status_code == 200, host
        assert response["Content-Type"].split(";")[0] == content_type
        assert b"".join(response.streaming_content) == expected


def test_a_missing_static_file_is_a_json_404(collected: Path) -> None:
    response = Api(settings.BASE_DOMAIN).get("/static/admin/css/no-such.css")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
