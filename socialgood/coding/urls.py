from django.urls import path

from socialgood.coding import views

P = "p/<slug:slug>/coding/"

urlpatterns = [
    path(P, views.codebook_page, name="coding_codebook"),
    path(P + "codebook.qdc", views.codebook_export, name="coding_codebook_export"),
    path(P + "codebook/import/", views.codebook_import, name="coding_codebook_import"),
    path(P + "codes/<int:code_id>/", views.code_detail, name="coding_code"),
    path(P + "codes/<int:code_id>/<str:action>/", views.code_action, name="coding_code_action"),
    path(P + "code/", views.coding_screen, name="coding_screen"),
    path(P + "posts/<int:post_id>/toggle/", views.toggle_code, name="coding_toggle"),
    path(P + "undo/", views.undo, name="coding_undo"),
    path(P + "memos/", views.memo_list, name="coding_memos"),
    path(P + "rounds/", views.round_list, name="coding_rounds"),
    path(P + "rounds/<int:round_id>/", views.round_detail, name="coding_round"),
    path(P + "rounds/<int:round_id>/close/", views.round_close, name="coding_round_close"),
    path(
        P + "rounds/<int:round_id>/disagreements/",
        views.disagreements,
        name="coding_disagreements",
    ),
    path(
        P + "rounds/<int:round_id>/posts/<int:post_id>/done/",
        views.unit_done,
        name="coding_unit_done",
    ),
    path(P + "exchange/", views.exchange_page, name="coding_exchange"),
    path(P + "exchange/export.qdpx", views.exchange_export, name="coding_exchange_export"),
    path(P + "suggestions/", views.suggestions, name="coding_suggestions"),
    path(P + "suggestions/<int:coding_id>/", views.review_suggestion, name="coding_review"),
    path(P + "reports/", views.reports, name="coding_reports"),
    path(P + "reports/query/", views.save_query, name="coding_save_query"),
    path(P + "reports/matrix.<str:fmt>", views.matrix_download, name="coding_matrix"),
]
