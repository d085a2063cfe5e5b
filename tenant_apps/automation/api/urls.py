from django.urls import path

from . import views

urlpatterns = [
    path("workflows/", views.WorkflowListView.as_view(), name="workflow-list"),
    path("workflows/<int:workflow_id>/", views.WorkflowDetailView.as_view(), name="workflow-detail"),
    path("workflows/<int:workflow_id>/run/", views.WorkflowRunView.as_view(), name="workflow-run"),
    path("workflows/<int:workflow_id>/runs/", views.WorkflowRunsView.as_view(), name="workflow-runs"),
    path("runs/<int:run_id>/", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:run_id>/rerun/", views.RunRerunView.as_view(), name="run-rerun"),
    path("hooks/<str:secret>/", views.HookView.as_view(), name="automation-hook"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:webhook_id>/", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:webhook_id>/deliveries/", views.WebhookDeliveriesView.as_view(), name="webhook-deliveries"),
]
