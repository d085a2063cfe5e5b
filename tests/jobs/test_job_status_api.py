from typing import Any

from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.jobs.services import job_create, job_progress, job_start


def test_job_status_is_served_on_its_project_host_only(owner: Any, make_project: Any, project_api: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    beta = make_project(owner, slug="beta")
    with in_schema("alpha"):
        job = job_create(kind="import", params={"file": "a.csv"}, created_by_id=owner.pk)
        job_start(job_id=job.pk)
        job_progress(job_id=job.pk, progress=40, message="row 400 of 1000")
    response = project_api(alpha, user=owner).get(f"/api/v1/automation/tasks/{job.pk}/status/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["kind"], body["state"], body["progress"], body["message"], body["attempts"]) == (
        str(job.pk),
        "import",
        "running",
        40,
        "row 400 of 1000",
        1,
    )
    other = project_api(beta, user=owner).get(f"/api/v1/automation/tasks/{job.pk}/status/")
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "JOB_NOT_FOUND"


def test_malformed_job_id_is_404(owner: Any, make_project: Any, project_api: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    response = project_api(alpha, user=owner).get("/api/v1/automation/tasks/not-a-uuid/status/")
    assert response.status_code == 404


def test_job_list_is_newest_first_and_filterable(owner: Any, make_project: Any, project_api: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    with in_schema("alpha"):
        first = job_create(kind="import")
        second = job_create(kind="export")
    api = project_api(alpha, user=owner)
    assert [j["id"] for j in api.get("/api/v1/automation/tasks/").json()["results"]] == [str(second.pk), str(first.pk)]
    assert [j["kind"] for j in api.get("/api/v1/automation/tasks/?kind=import").json()["results"]] == ["import"]
    nul = api.get("/api/v1/automation/tasks/?kind=imp%00ort")  # found by the fuzzer: was a 500
    assert (nul.status_code, nul.json()) == (200, {"results": []})


def test_job_status_needs_project_access(owner: Any, make_user: Any, make_project: Any, project_api: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    with in_schema("alpha"):
        job = job_create(kind="import")
    stranger = make_user()
    assert project_api(alpha, user=stranger).get(f"/api/v1/automation/tasks/{job.pk}/status/").status_code == 403
    assert project_api(alpha).get(f"/api/v1/automation/tasks/{job.pk}/status/").status_code == 401


def test_unknown_query_parameters_are_refused(owner: Any, make_project: Any, project_api: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    api = project_api(alpha, user=owner)
    response = api.get("/api/v1/automation/tasks/?kind=import&state=failed")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "UNKNOWN_PARAMETER",
        "message": "Unknown query parameter(s): state.",
        "fields": {"state": ["Unknown query parameter. Known: kind."]},
    }
    assert api.get("/api/v1/automation/tasks/?kind=import").status_code == 200
