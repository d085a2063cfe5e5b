from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    label = "tenants"
    verbose_name = "Projects (tenants)"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from .cors import cors_request_allowed

        check_request_enabled.connect(cors_request_allowed, dispatch_uid="tenants_cors_request_allowed")
