from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = "团内激励"

    def ready(self):
        # 操作中心 provider, login prompt, JOB-03, the member-page panel, 入团激励 on new members,
        # the 上级认证 batch action (core.batch).
        from . import home_cards, inbox, jobs, panels, prompts, services, signals  # noqa: F401
