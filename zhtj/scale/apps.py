from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """National-scale test data and the benchmark beside its floors (issue 10). It sits on top of
    every domain app and nothing imports it."""

    name = "zhtj.scale"
    label = "scale"
    verbose_name = "规模测试"
