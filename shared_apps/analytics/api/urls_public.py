from django.urls import path

from .views import PlatformUsageView

urlpatterns = [path("usage/", PlatformUsageView.as_view(), name="platform-usage")]
