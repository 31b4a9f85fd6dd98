from django.apps import AppConfig


class CollectConfig(AppConfig):
    name = "socialgood.collect"
    label = "collect"
