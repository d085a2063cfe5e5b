from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "tenant_apps.automation"
    label = "automation"
    verbose_name = "Automation (workflows, webhooks)"

    def ready(self) -> None:
        from shared_apps.events.subscribers import subscribers

        from .steps import register_builtin_steps
        from .subscriber import AutomationSubscriber

        register_builtin_steps()
        if "automation" not in subscribers:
            subscribers.register("automation", AutomationSubscriber())
