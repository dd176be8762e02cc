from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "orgs"
    verbose_name = "组织管理"

    def ready(self):
        from . import home_cards, inbox, prompts  # noqa: F401  操作中心 kinds, login prompts, home cards
