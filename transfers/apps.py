from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = "团组织关系转接"

    def ready(self):
        from members import people

        from . import deadlines, inbox, jobs, panels, services  # noqa: F401  registers 截止事项, 操作中心, the job, the person panel

        people.deletion_refusals.append(services.deletion_refusal)
