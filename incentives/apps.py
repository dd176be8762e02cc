from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = "团内激励"

    def ready(self):
        # 操作中心 provider, login prompt, JOB-03, the member-page panel, 入团激励 on new members.
        from . import home_cards, inbox, jobs, panels, prompts, signals  # noqa: F401
