from django.urls import path

from . import views

urlpatterns = [
    path("", views.RecordListView.as_view(), name="record-list"),
    path("<int:record_id>/", views.RecordDetailView.as_view(), name="record-detail"),
    path("<int:record_id>/files/<str:field>/", views.RecordFileView.as_view(), name="record-file"),
]
