from django.urls import path

from .views import ProjectUsageView

urlpatterns = [path("usage/", ProjectUsageView.as_view(), name="project-usage")]
