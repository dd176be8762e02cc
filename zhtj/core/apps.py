from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhtj.core"
    label = "core"
    verbose_name = "共享内核"

    def ready(self):
        from . import lookups  # noqa: F401  registers field__any_of
