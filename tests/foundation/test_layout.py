import importlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_platform_folder_is_not_a_package() -> None:
    assert (REPO / "platform").is_dir()
    assert not (REPO / "platform" / "__init__.py").exists()


def test_stdlib_platform_module_is_intact() -> None:
    platform = importlib.import_module("platform")
    assert platform.system() == "Linux"
    assert Path(platform.__file__).parent == Path(sys.modules["os"].__file__).parent  # type: ignore[arg-type]


def test_no_app_shadows_a_stdlib_module() -> None:
    from django.conf import settings

    for app in settings.INSTALLED_APPS:
        assert app.split(".")[0] not in sys.stdlib_module_names or app.startswith("django"), app
        assert app.split(".")[-1] not in sys.stdlib_module_names, app
