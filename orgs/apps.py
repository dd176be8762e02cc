from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "组织管理"

    def ready(self):
        from . import inbox, prompts  # noqa: F401  registers 操作中心 providers and login prompts
