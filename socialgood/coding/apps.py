from django.apps import AppConfig


class CodingConfig(AppConfig):
    name = "socialgood.coding"
    label = "coding"
