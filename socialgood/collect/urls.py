from django.urls import path

from socialgood.collect import import_views, views

urlpatterns = [
    # importing through the browser (socialgood/collect/import_views.py)
    path("p/<slug:slug>/import/", import_views.upload, name="import_upload"),
    path("p/<slug:slug>/import/<str:token>/", import_views.columns, name="import_columns"),
    path("p/<slug:slug>/imports/", import_views.import_list, name="imports"),
    path("p/<slug:slug>/imports/<int:run_id>/", import_views.import_report, name="import_report"),
    path(
        "p/<slug:slug>/imports/<int:run_id>/report.json",
        import_views.import_report_json,
        name="import_report_json",
    ),
    path(
        "p/<slug:slug>/imports/<int:run_id>/retry/",
        import_views.import_retry,
        name="import_retry",
    ),
    path(
        "p/<slug:slug>/imports/<int:run_id>/delete-files/",
        import_views.import_delete_files,
        name="import_delete_files",
    ),
    path("p/<slug:slug>/collections/", views.collection_list, name="collections"),
    path("p/<slug:slug>/collections/new/", views.collection_new, name="collection_new"),
    path("p/<slug:slug>/collections/credentials/", views.credential_list, name="credentials"),
    path(
        "p/<slug:slug>/collections/credentials/<int:credential_id>/replace/",
        views.credential_replace,
        name="credential_replace",
    ),
    path(
        "p/<slug:slug>/collections/credentials/<int:credential_id>/delete/",
        views.credential_delete,
        name="credential_delete",
    ),
    path(
        "p/<slug:slug>/collections/<int:collection_id>/",
        views.collection_detail,
        name="collection",
    ),
    path(
        "p/<slug:slug>/collections/<int:collection_id>/edit/",
        views.collection_edit,
        name="collection_edit",
    ),
    path(
        "p/<slug:slug>/collections/<int:collection_id>/run/",
        views.collection_run_now,
        name="collection_run_now",
    ),
    path(
        "p/<slug:slug>/collections/<int:collection_id>/switch/",
        views.collection_toggle,
        name="collection_toggle",
    ),
    path(
        "p/<slug:slug>/collections/<int:collection_id>/delete/",
        views.collection_delete,
        name="collection_delete",
    ),
    path(
        "p/<slug:slug>/collections/<int:collection_id>/runs/<int:run_id>/",
        views.run_detail,
        name="collection_run",
    ),
]
