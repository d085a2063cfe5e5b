"""The admission pipeline (tenants.admission) is the one list of what admits a request, on both paths."""

from typing import Any

import pytest
from django.conf import settings

from tenant_apps.records.api import lane
from tenant_apps.records.api.views import RecordDetailView, RecordListView
from tenants.admission import PIPELINE, STAGE_NAMES, pipeline_middleware


def _dotted(cls: type[Any]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def test_django_runs_exactly_the_pipelines_middlewares_in_its_order() -> None:
    assert list(settings.MIDDLEWARE) == pipeline_middleware()


@pytest.mark.parametrize("view", [RecordListView, RecordDetailView])
def test_the_records_views_use_exactly_the_pipelines_drf_classes(view: type[Any]) -> None:
    for stage in PIPELINE:
        if stage.view_attribute:
            assert [_dotted(c) for c in getattr(view, stage.view_attribute)] == list(stage.drf), stage.name


def test_every_drf_stage_names_the_view_attribute_it_stands_for() -> None:
    for stage in PIPELINE:
        assert bool(stage.drf) == bool(stage.view_attribute), stage.name
        assert bool(stage.middleware) != bool(stage.drf), stage.name  # each stage is made on one side of Django
        assert stage.why, stage.name


def test_the_lane_has_a_step_for_every_stage_in_order() -> None:
    assert tuple(lane._STAGES) == STAGE_NAMES
    assert len(set(STAGE_NAMES)) == len(STAGE_NAMES)
