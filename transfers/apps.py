from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "团组织关系转接"

    def ready(self):
        from . import inbox, jobs  # noqa: F401  registers 操作中心 providers and the deadline job
