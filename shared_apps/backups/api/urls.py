from django.urls import path

from . import views

urlpatterns = [
    path("", views.BackupListView.as_view(), name="project-backups"),
    path("<int:backup_id>/", views.BackupDetailView.as_view(), name="project-backup"),
    path("<int:backup_id>/download/", views.BackupDownloadView.as_view(), name="project-backup-download"),
]
