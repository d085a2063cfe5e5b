from django.urls import path

from shared_apps.foundation.api.views import HealthView

urlpatterns = [path("health/", HealthView.as_view(), name="health")]
