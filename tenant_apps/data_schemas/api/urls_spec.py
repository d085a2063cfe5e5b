from django.urls import path

from . import views_spec

urlpatterns = [
    path("", views_spec.SpecExportView.as_view(), name="spec-export"),
    path("plan/", views_spec.SpecPlanView.as_view(), name="spec-plan"),
    path("apply/", views_spec.SpecApplyView.as_view(), name="spec-apply"),
]
