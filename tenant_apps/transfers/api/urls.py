from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.NewTableImportView.as_view(), name="import-new-table"),
    path("exports/<str:job_id>/download/", views.ExportDownloadView.as_view(), name="export-download"),
]
