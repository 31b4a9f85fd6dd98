"""Per role, nothing identifying leaks through pages, the API or exports.

Invented people (handles, DIDs, display names, e-mail addresses, phone numbers) and
their posts mentioning each other are imported through the real importer. Then:

- every role requests every project page and every API GET endpoint that takes only
  the project (found from the URL configuration and the OpenAPI schema, so pages
  added later are covered too);
- a property test (hypothesis) repeats this over generated people and posts for the
  pages that show posts, the whole API and the exports each role may make.

No response or file may contain any of the identifiers.
"""

import itertools
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialgood.api.views import api
from socialgood.collect.export import export_ndjson
from socialgood.projects.datastatement import data_statement_markdown
from socialgood.projects.models import ApiToken, Project
from tests.governance.conftest import PEOPLE, Message, Person, import_messages

pytestmark = pytest.mark.django_db

ROLES = ("owner", "analyst", "coder", "viewer")
WORDS = ["care", "respite", "burnout", "tired", "support", "group", "night", "help", "thanks"]
counter = itertools.count()

# Names that cannot occur by chance in a pseudonym (hex) or a token: a letter g-z first, 8+ chars.
names = st.from_regex(r"[g-z][a-z]{4,7}[0-9]{2,3}", fullmatch=True)


@st.composite
def corpora(draw):
    people = [Person(n) for n in draw(st.lists(names, min_size=1, max_size=4, unique=True))]
    messages = []
    for _ in range(draw(st.integers(1, 6))):
        author = draw(st.sampled_from(people))
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6))
        contact = draw(st.sampled_from(["", author.email, author.phone]))
        mentions = draw(st.lists(st.sampled_from(people), max_size=2, unique_by=lambda p: p.name))
        text = " ".join(words) + (f" reach me at {contact}" if contact else "")
        messages.append(Message(author, text, "", mentions))
    return people, messages


# The pages that show posts or people; the property test visits these for every example.
POST_PAGES = ("project", "posts", "concordance", "datastatement", "coding", "audit_log", "privacy")


def project_urls(slug):
    """Every named page that needs only the project's slug."""
    urls = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if "api" in str(p.pattern):
                    continue
                walk(p.url_patterns, prefix)
            elif isinstance(p, URLPattern) and p.name and set(p.pattern.converters) == {"slug"}:
                urls.append(reverse(p.name, args=[slug]))

    walk(get_resolver().url_patterns)
    return sorted(set(urls))


def api_urls(slug):
    schema = api.get_openapi_schema()
    urls = []
    for path, methods in schema["paths"].items():
        if "get" in methods and re.findall(r"{(\w+)}", path) == ["slug"]:
            urls.append(path.replace("{slug}", slug))
    return urls


def leaks(text, people):
    found = []
    for person in people:
        for identifier in [*person.identifiers(), person.name]:
            if identifier.lower() in text.lower():
                found.append(identifier)
    return found


def visit_everything(client, user, project, people, pages, tmp):
    client.force_login(user)
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 405), url
        assert leaks(response.content.decode(errors="replace"), people) == [], url
    token = ApiToken.create_for(user)
    for url in api_urls(project.slug):
        response = client.get(url, headers={"authorization": f"Bearer {token}"})
        assert response.status_code in (200, 403, 422), (url, response.status_code)
        assert leaks(response.content.decode(errors="replace"), people) == [], url
    if project.permissions_for(user).can("export"):
        out = tmp / f"{user.username}.ndjson"
        export_ndjson(project, out, user=user)
        assert out.stat().st_size > 0
        assert leaks(out.read_text(), people) == []


@pytest.mark.parametrize("role", ROLES)
def test_every_page_api_endpoint_and_export_is_free_of_identifiers(
    imported, client, tmp_path, role
):
    project = imported.project
    pages = project_urls(project.slug)
    assert reverse("posts", args=[project.slug]) in pages and len(pages) > 10
    visit_everything(client, imported.user(role), project, PEOPLE, pages, tmp_path)
    assert leaks(data_statement_markdown(project), PEOPLE) == []


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(corpus=corpora())
def test_generated_people_never_show_for_any_role(world, client, tmp_path_factory, corpus):
    people, messages = corpus
    project = Project.create(name=f"Generated {next(counter)}", owner=world.owner)
    for role in ROLES[1:]:
        project.add_member(world.user(role), role, by=world.owner)
    tmp = tmp_path_factory.mktemp("corpus")
    import_messages(project, tmp, messages, user=world.owner)
    assert project.posts.count() == len(messages)
    pages = [url for url in project_urls(project.slug) if _name(url) in POST_PAGES]
    for role in ROLES:
        visit_everything(client, world.user(role), project, people, pages, tmp)
    assert leaks(data_statement_markdown(project), people) == []


def _name(url):
    from django.urls import resolve

    return resolve(url).url_name
