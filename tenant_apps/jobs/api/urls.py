from django.urls import path

from .views import JobListView, JobStatusView

urlpatterns = [
    path("tasks/", JobListView.as_view(), name="job-list"),
    path("tasks/<str:job_id>/status/", JobStatusView.as_view(), name="job-status"),
]
