from django.apps import AppConfig


class AnalyzeConfig(AppConfig):
    name = "socialgood.analyze"
    label = "analyze"
