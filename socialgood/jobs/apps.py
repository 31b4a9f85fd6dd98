from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "socialgood.jobs"
    label = "jobs"
