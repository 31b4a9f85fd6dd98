from django.urls import path

from socialgood.analyze import views

urlpatterns = [
    path("p/<slug:slug>/posts/", views.post_browser, name="posts"),
    path("p/<slug:slug>/posts/<int:post_id>/thread/", views.thread, name="thread"),
    path("p/<slug:slug>/subsets/", views.subsets, name="subsets"),
    path(
        "p/<slug:slug>/subsets/<int:subset_id>/delete/", views.subset_delete, name="subset_delete"
    ),
    path("p/<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path(
        "p/<slug:slug>/dashboard/<str:name>.<str:fmt>",
        views.figure_download,
        name="figure_download",
    ),
    path("p/<slug:slug>/concordance/", views.concordance, name="concordance"),
    path("p/<slug:slug>/analyse/<str:kind>/", views.analysis, name="analysis"),
    path("p/<slug:slug>/topics/<int:model_id>/<int:topic>/", views.topic_posts, name="topic_posts"),
    path("p/<slug:slug>/networks/<int:job_id>.<str:fmt>", views.network_file, name="network_file"),
    path("p/<slug:slug>/exports/", views.exports, name="exports"),
    path(
        "p/<slug:slug>/exports/<int:job_id>/download/",
        views.export_download,
        name="export_download",
    ),
]
