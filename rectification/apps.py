from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "rectification"
    verbose_name = "组织整顿与对标定级"

    def ready(self):
        from . import deadlines, inbox, jobs, prompts  # noqa: F401  操作中心 kinds, jobs, prompts, 截止事项
