from django.contrib.auth import views as auth_views
from django.urls import include, path

from socialgood.api.views import api
from socialgood.jobs import views as jobs
from socialgood.projects import privacy_views as privacy
from socialgood.projects import views as projects

urlpatterns = [
    path("", projects.index, name="index"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", projects.account, name="account"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("account/tokens/<int:token_id>/revoke/", projects.token_revoke, name="token_revoke"),
    path("projects/", projects.project_list, name="projects"),
    path("projects/new/", projects.project_new, name="project_new"),
    path("p/<slug:slug>/", projects.project_detail, name="project"),
    path("p/<slug:slug>/settings/", projects.project_settings, name="project_settings"),
    path("p/<slug:slug>/delete/", projects.project_delete, name="project_delete"),
    path("p/<slug:slug>/members/", projects.members, name="members"),
    path(
        "p/<slug:slug>/members/<int:membership_id>/role/", projects.member_role, name="member_role"
    ),
    path(
        "p/<slug:slug>/members/<int:membership_id>/remove/",
        projects.member_remove,
        name="member_remove",
    ),
    path("p/<slug:slug>/audit/", projects.audit_log, name="audit_log"),
    path("p/<slug:slug>/privacy/", privacy.privacy_settings, name="privacy"),
    path("p/<slug:slug>/privacy/reveal/", privacy.reidentify, name="reidentify"),
    path("p/<slug:slug>/privacy/delete-author/", privacy.delete_author, name="delete_author"),
    path(
        "p/<slug:slug>/privacy/imports/<int:run_id>/delete/",
        privacy.delete_import,
        name="delete_import",
    ),
    path(
        "p/<slug:slug>/privacy/collections/<int:collection_id>/delete/",
        privacy.delete_collection,
        name="delete_collection",
    ),
    path("p/<slug:slug>/data-statement/", privacy.data_statement, name="datastatement"),
    path("p/<slug:slug>/jobs/", jobs.job_list, name="jobs"),
    path("p/<slug:slug>/jobs/<int:job_id>/", jobs.job_detail, name="job"),
    path("p/<slug:slug>/jobs/<int:job_id>/cancel/", jobs.job_cancel, name="job_cancel"),
    path("", include("socialgood.collect.urls")),
    path("", include("socialgood.analyze.urls")),
    path("", include("socialgood.coding.urls")),
    path("api/", api.urls),
]
