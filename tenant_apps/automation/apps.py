from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "tenant_apps.automation"
    label = "automation"
    verbose_name = "Automation (workflows, webhooks)"

    def ready(self) -> None:
        from shared_apps.backups.hooks import restore_hooks
        from shared_apps.events.subscribers import subscribers

        from .schedules import schedules_after_restore
        from .steps import register_builtin_steps
        from .subscriber import AutomationSubscriber

        register_builtin_steps()
        if "automation" not in subscribers:
            subscribers.register("automation", AutomationSubscriber())
        if "automation-schedules" not in restore_hooks:  # beat rows in public follow the restored workflows
            restore_hooks.register("automation-schedules", schedules_after_restore)
