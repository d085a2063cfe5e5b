from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "tenant_apps.automation"
    label = "automation"
    verbose_name = "Automation (workflows, webhooks)"

    def ready(self) -> None:
        from shared_apps.backups.hooks import restore_hooks
        from shared_apps.events.subscribers import subscribers
        from shared_apps.foundation.leases import lease_sweeps

        from .delivery import DELIVERY_LEASE_SWEEP
        from .schedules import schedules_after_restore
        from .services import RUN_LEASE_SWEEP
        from .steps import register_builtin_steps
        from .subscriber import AutomationSubscriber

        register_builtin_steps()
        if "automation" not in subscribers:
            subscribers.register("automation", AutomationSubscriber())
        if "workflow-run" not in lease_sweeps:
            lease_sweeps.register("workflow-run", RUN_LEASE_SWEEP)
            lease_sweeps.register("webhook-delivery", DELIVERY_LEASE_SWEEP)
        if "automation-schedules" not in restore_hooks:  # beat rows in public follow the restored workflows
            restore_hooks.register("automation-schedules", schedules_after_restore)
