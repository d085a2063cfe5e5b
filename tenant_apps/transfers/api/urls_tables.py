from django.urls import path

from . import views

urlpatterns = [
    path("<str:table>/import/", views.TableImportView.as_view(), name="table-import"),
    path("<str:table>/export/", views.TableExportView.as_view(), name="table-export"),
]
