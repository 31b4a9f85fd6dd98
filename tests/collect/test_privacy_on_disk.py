"""No original handle, id or name survives an import: in any table, the file, or an export."""

import json

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialgood.collect.export import export_ndjson
from socialgood.collect.imports import import_files, is_table, load_original, table_mapping
from socialgood.collect.models import Post, PostMedia
from socialgood.platforms import tabular
from socialgood.platforms.files import read_posts
from socialgood.platforms.report import Report
from socialgood.privacy.pseudonyms import pseudonym
from socialgood.projects.models import Project
from tests.collect.conftest import (
    BO,
    FIXTURES,
    QUILLA,
    bluesky_view,
    renamed_person_files,
    write_jsonl,
    x_archive_zip,
)
from tests.collect.test_imports import KNOWN
from tests.governance.conftest import database_files
from tests.privacy.test_pseudonyms import tokens

handles = st.from_regex(r"[a-z][a-z0-9]{3,9}-[a-z0-9]{2,5}", fullmatch=True).map(
    lambda name: name + ".bsky.social"
)
dids = st.from_regex(r"[a-z2-7]{24}", fullmatch=True).map(lambda suffix: "did:plc:" + suffix)
people = st.lists(
    st.tuples(dids, handles), min_size=2, max_size=5, unique_by=(lambda p: p[0], lambda p: p[1])
)


def everything_stored():
    """Every value of every row of every table, as text (bytes kept as bytes)."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            quoted = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT t::text FROM {quoted} t")  # noqa: S608 - table names from the schema
            else:
                cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608
            for row in cursor.fetchall():
                values.extend(value for value in row if value is not None)
    return values


def everything_stored_as_text():
    return "\n".join(
        value.decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
        for value in everything_stored()
    )


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=people, keep_raw=st.booleans(), data=st.data())
def test_no_original_identifier_is_stored_or_exported(
    world, tmp_path_factory, people, keep_raw, data
):
    project = Project.create(name="Privacy check", owner=world.owner)
    project.keep_raw = keep_raw
    project.save()
    views = []
    for number, author in enumerate(people * 2):
        mentioned = data.draw(st.sampled_from([p for p in people if p != author]))
        text = f"Thank you for the respite tips, @{mentioned[1]}! See bsky.app/profile/{mentioned[1]} — {author[1]}"
        views.append(bluesky_view(number, author, text, tags=("caregiving",), mention=mentioned))
    directory = tmp_path_factory.mktemp("import")
    # Named after an account, as tools name a timeline: the name is someone's handle.
    path = write_jsonl(directory / f"{people[0][1]}-feed.jsonl", [{"posts": views}])

    run = import_files(project, [path], user=world.owner)
    out = directory / "export.ndjson"
    export_ndjson(project, out)

    assert run.imported == len(views)
    originals = [value for person in people for value in (person[0][8:], person[1])]
    stored_text = everything_stored_as_text().lower()
    on_disk = database_files().lower()
    exported = out.read_text().lower()
    for original in originals:
        assert original not in stored_text
        assert original.encode() not in on_disk
        assert original not in exported


names = st.from_regex(r"[A-Z][a-z]{3,8} [A-Z][a-z]{3,10}", fullmatch=True)


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(partner_id=st.integers(9_000_000_000, 9_999_999_999), partner_name=names)
def test_a_telegram_one_to_one_chat_keeps_neither_the_partners_id_nor_name(
    world, tmp_path_factory, partner_id, partner_name
):
    # The chat's id is the other person's user id and its name is their name.
    project = Project.create(name="Telegram check", owner=world.owner)
    message = {"type": "message", "date": "2024-02-01T10:00:00", "text_entities": []}
    chat = {
        "name": partner_name,
        "type": "personal_chat",
        "id": partner_id,
        "messages": [
            {**message, "id": 1, "date_unixtime": "1706781600", "from": partner_name,
             "from_id": f"user{partner_id}", "text": "are you coming to the carers group?"},
            {**message, "id": 2, "date_unixtime": "1706781660", "from": "Me",
             "from_id": "user1001", "reply_to_message_id": 1, "text": "yes, see you there"},
        ],
    }  # fmt: skip
    directory = tmp_path_factory.mktemp("telegram")
    path = directory / "result.json"
    path.write_text(json.dumps(chat))

    run = import_files(project, [path], user=world.owner)
    out = directory / "export.ndjson"
    export_ndjson(project, out)

    assert run.imported == 2
    stored_text = everything_stored_as_text()
    for original in (str(partner_id), partner_name):
        assert original not in stored_text
        assert original.encode() not in database_files()
        assert original not in out.read_text()


x_handles = st.from_regex(r"[a-z][a-z0-9]{4,8}_[a-z0-9]{2,4}", fullmatch=True)
x_ids = st.integers(10**17, 10**18 - 1).map(str)


@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    owner=st.tuples(x_ids, x_handles), friend=st.tuples(x_ids, x_handles), keep_raw=st.booleans()
)
def test_an_x_archive_leaves_no_identifier_and_nothing_but_the_tweets(
    world, tmp_path_factory, owner, friend, keep_raw
):
    project = Project.create(name="Archive check", owner=world.owner)
    project.keep_raw = keep_raw
    project.save()
    directory = tmp_path_factory.mktemp("archive")
    # The fixture's owner and the friend they reply to, replaced by drawn ones.
    archive = x_archive_zip(
        directory / "archive.zip",
        replace={
            "1480000000000000042": owner[0],
            "maple_carer_77": owner[1],
            "1390000000000000009": friend[0],
            "river_support_9": friend[1],
        },
    )

    run = import_files(project, [archive], user=world.owner)
    out = directory / "export.ndjson"
    export_ndjson(project, out)

    assert run.imported == 5
    stored_text = everything_stored_as_text().lower()
    on_disk = database_files().lower()
    exported = out.read_text().lower()
    never = [
        *owner, *friend,
        "maple carer", "maple.carer77@example.org",  # the owner's name and e-mail (account.js)
        "203.0.113.77",  # ip-audit.js
        "a private message from a friend",  # direct-messages.js
        "somebody else's words",  # like.js
        "regretted words",  # deleted-tweets.js
    ]  # fmt: skip
    for original in never:
        assert original not in stored_text
        assert original.encode() not in on_disk
        assert original not in exported


FORMAT_FIXTURES = [known[0] for known in KNOWN] + ["tabular/x_export_semicolon_bom.csv"]


def identifiers_in(path, project=None):
    """Every author's and mentioned person's id and handle the parser finds in a file.

    Not those shorter than 5 characters: some fixtures give people ids like "101", which
    a table holds anyway as a count or a row number.
    """
    values = set()
    if is_table(path):
        mapping, platform, _, _ = table_mapping(project, path)
        posts = tabular.iter_posts(path, mapping, platform, Report())
    else:
        posts = read_posts(path, Report())
    for post in posts:
        for person in (post.author, *post.mentions):
            for value in (person.id, person.handle):
                if value:
                    value = value.lower().removeprefix("@")
                    values.update((value, value.split("@")[0]))
    return {value for value in values if len(value) >= 5}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", FORMAT_FIXTURES)
def test_no_identifier_of_any_format_survives_an_import(world, tmp_path, name):
    path = FIXTURES / name
    originals = identifiers_in(path, world.project)
    assert originals  # the fixture names people

    run = import_files(world.project, [path], user=world.owner)
    out = tmp_path / "export.ndjson"
    export_ndjson(world.project, out)

    assert run.imported > 0
    stored = tokens(everything_stored_as_text())
    on_disk = tokens(database_files().decode("latin-1"))
    exported = tokens(out.read_text())
    assert not originals & stored
    assert not originals & on_disk
    assert not originals & exported


@pytest.mark.django_db(transaction=True)
def test_a_tables_column_names_are_not_kept_with_its_remembered_mapping(world, tmp_path):
    # A column named after someone (or a title line taken for the column names)
    path = tmp_path / "export.csv"
    path.write_text(
        "id,date,text,Notes on @quilla_marrow\n1001,2026-01-02,hello,a\n1002,2026-01-03,hi,b\n"
    )

    run = import_files(world.project, [path], user=world.owner)

    assert run.imported == 2  # its first column is the posts' ids
    assert "quilla_marrow" not in everything_stored_as_text()


@pytest.mark.parametrize("runs", ["one import", "two imports"])
def test_a_name_someone_went_by_earlier_is_replaced_where_a_mention_gives_none(
    world, tmp_path, runs
):
    files = renamed_person_files(tmp_path)
    if runs == "one import":
        import_files(world.project, files)
    else:  # the second run learns her earlier name from what the first one kept
        for path in files:
            import_files(world.project, [path])

    quilla = pseudonym(world.project.secret_key, "bluesky", QUILLA[0])
    thanks = Post.objects.get(platform_id__contains="3k00000000003")
    assert thanks.text == f"Thank you, {quilla} with @{quilla}"
    assert PostMedia.objects.get(post=thanks).alt_text == f"{quilla} at the carers' cafe"
    # Nowhere else either: the search index, the import's records.
    assert "marrow" not in everything_stored_as_text().lower()
    assert load_original(world.project, quilla)["display_name"] == "Quilla Ashgrove 🌿"


@pytest.mark.django_db(transaction=True)
def test_a_threads_account_is_one_person_in_a_capture_a_link_and_on_mastodon(world, tmp_path):
    import_files(world.project, [FIXTURES / "zeeschuimer/zeeschuimer-export.ndjson"])
    shared = bluesky_view(
        1, BO, "Lovely circle https://www.threads.com/@Wren.Ashby/post/DThrCircle1"
    )
    import_files(world.project, [write_jsonl(tmp_path / "shared.jsonl", [{"posts": [shared]}])])

    wren = Post.objects.get(platform="threads", platform_id="3500000000000000001").author
    # As a Mastodon server knows her: a Threads account is a fediverse account.
    assert wren == pseudonym(world.project.secret_key, "mastodon", "wren.ashby@threads.net")
    linked = Post.objects.get(platform="bluesky").text
    assert linked == f"Lovely circle https://www.threads.com/@{wren}/post/DThrCircle1"
    reply = Post.objects.get(platform="threads", platform_id="3500000000000000002")
    assert reply.text == f"@{wren} I'll bring my daughter, she's 14"
    alt = PostMedia.objects.get(post__platform_id="3500000000000000001", position=0).alt_text
    assert alt.startswith(f"Photo by @{wren} on January 03, 2026.")
    stored = everything_stored_as_text().lower()
    for original in ("wren", "ana.example", "quilla", "marrow", "bo_lindqvist", "lindqvist"):
        assert original not in stored


@pytest.mark.django_db(transaction=True)
def test_linkedin_people_are_replaced_by_name_mention_and_profile_link(world, tmp_path):
    import_files(world.project, [FIXTURES / "zeeschuimer/zeeschuimer-export.ndjson"])
    shared = bluesky_view(1, BO, "Her post: https://www.linkedin.com/in/cyra-vance-4b7a21/")
    import_files(world.project, [write_jsonl(tmp_path / "shared.jsonl", [{"posts": [shared]}])])

    hiring = Post.objects.get(platform="linkedin", platform_id="7413113552896001234")
    ana = pseudonym(world.project.secret_key, "linkedin", "@ana-example-7c3d9e")
    # Shown as "Ana" on LinkedIn: a first name alone is no name a rule could find.
    assert f"Thanks @{ana} for the referral pathway work" in hiring.text
    linked = Post.objects.get(platform="bluesky").text
    assert linked == f"Her post: https://www.linkedin.com/in/{hiring.author}/"
    stored = everything_stored_as_text().lower()
    for original in ("cyra", "vance", "ana-example", "jörg", "müller", "ben-example"):
        assert original not in stored


def x_tweets_naming_someone(tmp_path, form):
    """An X file of one tweet that mentions Cyra Vance (@cyra_v) and thanks her by name,
    in the API v1.1 or v2 (twarc2) form or flattened by twarc2: all give her name."""
    text = "Thank you @cyra_v for the respite list! Cyra Vance knows every carers' cafe."
    if form == "v1.1":
        mention = {"id_str": "7001", "screen_name": "cyra_v", "name": "Cyra Vance"}
        tweet = {
            "created_at": "Wed Jan 07 09:00:00 +0000 2026", "id_str": "9100", "text": text,
            "user": {"id_str": "7000", "screen_name": "bo_fennick", "name": "Bo"},
            "entities": {"hashtags": [], "urls": [], "user_mentions": [mention]},
        }  # fmt: skip
        return write_jsonl(tmp_path / "tweets.jsonl", [tweet])
    tweet = {
        "id": "9100", "author_id": "7000", "created_at": "2026-01-07T09:00:00.000Z",
        "text": text, "entities": {"mentions": [{"start": 10, "end": 17, "username": "cyra_v", "id": "7001"}]},
    }  # fmt: skip
    users = [
        {"id": "7000", "username": "bo_fennick", "name": "Bo"},
        {"id": "7001", "username": "cyra_v", "name": "Cyra Vance"},
    ]
    if form == "v2 flattened":  # the author and each mentioned person in the tweet
        tweet["author"] = users[0]
        tweet["entities"]["mentions"][0]["name"] = "Cyra Vance"
        return write_jsonl(tmp_path / "flat.jsonl", [tweet])
    page = {"data": [tweet], "includes": {"users": users}}
    return write_jsonl(tmp_path / "search.jsonl", [page])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("form", ["v1.1", "v2", "v2 flattened"])
def test_the_name_of_someone_a_tweet_mentions_is_replaced_in_its_text(world, tmp_path, form):
    # X gives each mentioned person's display name with the mention (v1.1 in the tweet's
    # entities, v2 among the page's users): the tweet names her, so her name goes too.
    path = x_tweets_naming_someone(tmp_path, form)

    run = import_files(world.project, [path], user=world.owner)

    cyra = pseudonym(world.project.secret_key, "x", "7001")
    assert run.imported == 1
    assert Post.objects.get().text == (
        f"Thank you @{cyra} for the respite list! {cyra} knows every carers' cafe."
    )
    assert "cyra vance" not in everything_stored_as_text().lower()
    assert load_original(world.project, cyra)["display_name"] == "Cyra Vance"


def shared_posts(tmp_path, platform):
    """A file where Bo shares Quilla Marrow's post, which she signs with her name: a
    Bluesky repost, a Mastodon boost or an X retweet, each with the original at hand."""
    text = "Respite tips for new carers, a thread — Quilla Marrow"
    if platform == "bluesky":
        view = bluesky_view(1, QUILLA, text)
        view["author"]["displayName"] = "Quilla Marrow"
        reason = {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": {"did": "did:plc:bofennickbofennickbofenn", "handle": "bo.example.org"},
            "uri": "at://did:plc:bofennickbofennickbofenn/app.bsky.feed.repost/3krep",
            "indexedAt": "2026-01-06T09:00:00Z",
        }
        return write_jsonl(tmp_path / "feed.jsonl", [{"feed": [{"post": view, "reason": reason}]}])
    if platform == "mastodon":
        status = {
            "id": "111", "uri": "https://social.example/users/quilla/statuses/111",
            "created_at": "2026-01-05T09:00:00Z", "content": f"<p>{text}</p>",
            "account": {"id": "7", "acct": "quilla", "display_name": "Quilla Marrow",
                        "url": "https://social.example/@quilla"},
        }  # fmt: skip
        boost = {
            "id": "112", "uri": "https://other.example/users/bo/statuses/112/activity",
            "created_at": "2026-01-06T09:00:00Z", "content": "", "reblog": status,
            "account": {"id": "8", "acct": "bo@other.example", "url": "https://other.example/@bo"},
        }  # fmt: skip
        return write_jsonl(tmp_path / "timeline.jsonl", [[boost]])
    original = {
        "created_at": "Mon Jan 05 09:00:00 +0000 2026", "id_str": "9200", "text": text,
        "user": {"id_str": "7002", "screen_name": "quilla_m", "name": "Quilla Marrow"},
    }  # fmt: skip
    retweet = {
        "created_at": "Tue Jan 06 09:00:00 +0000 2026", "id_str": "9201",
        "text": f"RT @quilla_m: {text}", "retweeted_status": original,
        "user": {"id_str": "7000", "screen_name": "bo_fennick", "name": "Bo"},
    }  # fmt: skip
    return write_jsonl(tmp_path / "tweets.jsonl", [retweet])


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("platform", ["bluesky", "mastodon", "x"])
def test_a_shared_post_keeps_no_name_its_original_had_replaced(world, tmp_path, platform):
    # The repost's text is the original's: the names replaced in the original (its
    # author's, those it mentions) are replaced in the copy too.
    path = shared_posts(tmp_path, platform)

    run = import_files(world.project, [path], user=world.owner)

    assert run.imported == 2
    texts = {post.kind: post.text for post in Post.objects.all()}
    assert texts["repost"] == texts["post"]
    assert "marrow" not in everything_stored_as_text().lower()
