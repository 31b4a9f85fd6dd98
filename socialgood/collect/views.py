from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from socialgood.projects.views import get_project


@login_required
def post_list(request, slug):
    project = get_project(request, slug, "view_posts")
    posts = project.posts.prefetch_related("hashtags", "media").order_by("-created_at", "-id")
    platform = request.GET.get("platform")
    if platform:
        posts = posts.filter(platform=platform)
    page = Paginator(posts, 50).get_page(request.GET.get("page"))
    return render(
        request, "collect/posts.html", {"project": project, "page": page, "platform": platform}
    )
