from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhtj.core"
    label = "core"
    verbose_name = "共享内核"

    def ready(self):
        from . import checks, lookups, once  # noqa: F401  registers the SEC-08 checks, field__any_of, the once-token job
