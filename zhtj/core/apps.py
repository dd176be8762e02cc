from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zhtj.core"
    label = "core"
    verbose_name = "共享内核"
