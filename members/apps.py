from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "团员与团干部"

    def ready(self):
        from . import inbox, jobs, signals  # noqa: F401  registers providers, jobs, signal handlers
