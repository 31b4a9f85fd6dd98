from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "socialgood.projects"
    label = "projects"
