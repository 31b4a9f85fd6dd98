"""The REST API (django-ninja): what the UI does, for analysts' scripts and automation.

Authenticate with a personal token: `Authorization: Bearer sg_...`
(create one on your account page or with `socialgood token create USERNAME`).
"""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from socialgood.projects.models import ApiToken, Project
from socialgood.projects.permissions import ROLES


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = ApiToken.user_for(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="socialgood API",
    version="1",
    description=__doc__,
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not allowed."}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


def project_for(request, slug, action="view_project"):
    # The same rule as the web views: non-members get 404, members without the right 403.
    project = Project.objects.filter(slug=slug).first()
    perms = project.permissions_for(request.user) if project else None
    if perms is None or not perms.is_member:
        raise Http404
    if not perms.can(action):
        raise PermissionDenied(f"Your role in this project does not allow this ({action}).")
    return project


class ProjectOut(Schema):
    slug: str
    name: str
    description: str
    ethics_reference: str
    created_at: datetime
    role: str | None = None
    post_count: int | None = None


class ProjectIn(Schema):
    name: str
    description: str = ""
    ethics_reference: str = ""


class MemberOut(Schema):
    username: str
    role: str
    added_at: datetime


class MemberIn(Schema):
    username: str
    role: str


class RoleIn(Schema):
    role: str


def project_out(project, user, with_count=False):
    return ProjectOut(
        slug=project.slug,
        name=project.name,
        description=project.description,
        ethics_reference=project.ethics_reference,
        created_at=project.created_at,
        role=project.role_of(user),
        post_count=project.posts.count() if with_count else None,
    )


def check_role(role):
    if role not in ROLES:
        raise HttpError(422, f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")


@api.get("/projects", response=list[ProjectOut], tags=["projects"])
def list_projects(request):
    projects = Project.objects.filter(memberships__user=request.user).order_by("name")
    return [project_out(p, request.user) for p in projects]


@api.post("/projects", response={201: ProjectOut}, tags=["projects"])
def create_project(request, data: ProjectIn):
    if not data.name.strip():
        raise HttpError(422, "A project needs a name.")
    project = Project.create(owner=request.user, **data.dict())
    return 201, project_out(project, request.user)


@api.get("/projects/{slug}", response=ProjectOut, tags=["projects"])
def get_project(request, slug: str):
    return project_out(project_for(request, slug), request.user, with_count=True)


@api.delete("/projects/{slug}", response={204: None}, tags=["projects"])
def delete_project(request, slug: str):
    project_for(request, slug, "delete_project").delete_with_audit(by=request.user)
    return 204, None


@api.get("/projects/{slug}/members", response=list[MemberOut], tags=["members"])
def list_members(request, slug: str):
    project = project_for(request, slug)
    return [
        MemberOut(username=m.user.username, role=m.role, added_at=m.added_at)
        for m in project.memberships.select_related("user")
    ]


@api.post("/projects/{slug}/members", response={201: MemberOut}, tags=["members"])
def add_member(request, slug: str, data: MemberIn):
    project = project_for(request, slug, "manage_members")
    check_role(data.role)
    user = get_user_model().objects.filter(username=data.username, is_active=True).first()
    if user is None:
        raise HttpError(404, f"There is no account called {data.username!r}.")
    if project.memberships.filter(user=user).exists():
        raise HttpError(409, f"{user.username} is already a member; change their role instead.")
    m = project.add_member(user, data.role, by=request.user)
    return 201, MemberOut(username=user.username, role=m.role, added_at=m.added_at)


@api.patch("/projects/{slug}/members/{username}", response=MemberOut, tags=["members"])
def change_member(request, slug: str, username: str, data: RoleIn):
    project = project_for(request, slug, "manage_members")
    check_role(data.role)
    m = project.memberships.select_related("user").filter(user__username=username).first()
    if m is None:
        raise Http404
    project.change_role(m, data.role, by=request.user)
    return MemberOut(username=username, role=m.role, added_at=m.added_at)


@api.delete("/projects/{slug}/members/{username}", response={204: None}, tags=["members"])
def remove_member(request, slug: str, username: str):
    project = project_for(request, slug, "manage_members")
    m = project.memberships.select_related("user").filter(user__username=username).first()
    if m is None:
        raise Http404
    project.remove_member(m, by=request.user)
    return 204, None


# Each app adds its own endpoints. Imported last because the routers use `project_for`.
from socialgood.analyze.api import router as analyze_router  # noqa: E402
from socialgood.coding.api import router as coding_router  # noqa: E402
from socialgood.projects.privacy_api import router as privacy_router  # noqa: E402

for router in (analyze_router, coding_router, privacy_router):
    api.add_router("/", router)
