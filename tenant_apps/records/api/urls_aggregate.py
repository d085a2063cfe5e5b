from django.urls import path

from . import views_aggregate

urlpatterns = [
    path("", views_aggregate.AggregateView.as_view(), name="record-aggregate"),
]
