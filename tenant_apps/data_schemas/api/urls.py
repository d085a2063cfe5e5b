from django.urls import path

from . import views

urlpatterns = [
    path("", views.TableListView.as_view(), name="table-list"),
    path("<str:table>/", views.TableDetailView.as_view(), name="table-detail"),
    path("<str:table>/fields/", views.FieldListView.as_view(), name="field-list"),
    path("<str:table>/fields/order/", views.FieldOrderView.as_view(), name="field-order"),
    path("<str:table>/fields/<str:field>/", views.FieldDetailView.as_view(), name="field-detail"),
]
