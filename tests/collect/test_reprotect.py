"""Posts stored under earlier rules get today's: no name left, codings and counts kept."""

import importlib
import io
import threading

import orjson
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from socialgood.analyze.models import PostTopic, TopicModel
from socialgood.coding import rounds
from socialgood.coding.models import DOCUMENT_PLATFORM, Code, Coding, Memo
from socialgood.coding.offsets import moved
from socialgood.collect import reprotect as reprotect_module
from socialgood.collect import tallies
from socialgood.collect.imports import import_files, load_directory, load_original
from socialgood.collect.ingest import raw_payload_purpose
from socialgood.collect.models import ImportRun, Post, PostLink, PostMedia, Withdrawn
from socialgood.collect.reprotect import Changes, edits_between, reprotect, reprotect_projects
from socialgood.jobs.models import Job
from socialgood.platforms.normalise import domain
from socialgood.privacy import crypto
from socialgood.privacy import pseudonyms as pseudonyms_module
from socialgood.privacy.pseudonyms import Pseudonymiser, pseudonym
from socialgood.projects.models import AuditEvent, Project
from tests.collect.conftest import QUILLA, bluesky_view, renamed_person_files, write_jsonl
from tests.collect.test_privacy_on_disk import database_files, everything_stored_as_text
from tests.governance.test_deletion import finished_export

pytestmark = pytest.mark.django_db

HANDLE = "quilla-marrow.bsky.social"
AUTHOR = ("did:plc:abcdefghijklmnopqrstuvwx", "ana-example.bsky.social")
# Taken for a handle "user" by a rule of today's, once stored as "screen_name=user-…".
FOLLOW = "https://x.com/intent/follow?screen_name=quilla_m"


def earlier_rules(monkeypatch):
    """Imports as before https://<handle>.bsky.social lost the handle; undo() ends it."""
    monkeypatch.setattr(Pseudonymiser, "_bsky_social_handle", lambda self, match: match.group())


def linking_post(number, text, url):
    view = bluesky_view(number, AUTHOR, text)
    start = text.encode().index(url.encode())
    view["record"]["facets"] = [
        {
            "index": {"byteStart": start, "byteEnd": start + len(url.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
        }
    ]
    return view


def code(project, post, text, passage):
    start = text.index(passage)
    return Coding.objects.create(
        project=project,
        post=post,
        code=Code.objects.get_or_create(project=project, name="respite")[0],
        coder_name="olive",
        start=start,
        end=start + len(passage),
    )


def test_a_handle_earlier_rules_left_is_replaced_everywhere_as_an_import_now_would(
    world, tmp_path, monkeypatch
):
    project = world.project
    link = f"https://{HANDLE}"
    text = f"Respite tips from {link} — thank you! Follow: {FOLLOW} too."
    view = linking_post(1, text, link)
    alt = f"The flyer, made by {link} for carers"
    view["record"]["embed"] = {"$type": "app.bsky.embed.images", "images": [{"alt": alt}]}
    view["embed"] = {
        "$type": "app.bsky.embed.images#view",
        "images": [{"fullsize": f"{link}/flyer.jpg", "thumb": f"{link}/flyer-small.jpg"}],
    }
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [view]}])
    earlier_rules(monkeypatch)
    import_files(project, [path])
    monkeypatch.undo()
    post = Post.objects.get()
    assert HANDLE in post.text and HANDLE in PostLink.objects.get().url
    assert dict(tallies.counts(project, "domains")) == {HANDLE: 1}
    thanks = code(project, post, post.text, "thank you")
    around = code(project, post, post.text, f"{link} — thank")
    document = Post.objects.create(
        project=project, platform=DOCUMENT_PLATFORM, platform_id="doc-1", author="olive",
        created_at=post.created_at, text=f"Interview notes: {link}",
    )  # fmt: skip

    changes = reprotect(project)

    value = pseudonym(project.secret_key, "bluesky", "@" + HANDLE)
    stored = Post.objects.get(pk=post.pk)
    assert stored.text == post.text.replace(HANDLE, value)  # the X link's pseudonym kept
    assert PostLink.objects.get().url == f"https://{value}"
    media = PostMedia.objects.get()
    assert (media.url, media.preview_url, media.alt_text) == (
        f"https://{value}/flyer.jpg", f"https://{value}/flyer-small.jpg", alt.replace(HANDLE, value)
    )  # fmt: skip
    assert (changes.posts, changes.links, changes.media) == (1, 1, 1)
    thanks.refresh_from_db()
    around.refresh_from_db()
    assert stored.text[thanks.start : thanks.end] == "thank you"
    assert stored.text[around.start : around.end] == f"https://{value} — thank"
    # The dashboard counts what is stored.
    stored_domains = PostLink.objects.values_list("domain").annotate(Count("post", distinct=True))
    assert dict(tallies.counts(project, "domains")) == dict(stored_domains) == {value: 1}
    # The person is known as an import would know them: later imports agree.
    assert value in load_directory(project)["people"]
    assert load_original(project, value)["handle"] == HANDLE
    assert Post.objects.get(pk=document.pk).text == document.text  # never went through the rules
    Post.objects.filter(pk=document.pk).delete()
    assert HANDLE not in everything_stored_as_text()
    event = AuditEvent.objects.get(action="posts.reprotect")
    assert (event.actor_name, event.details["posts"]) == ("system", 1)

    assert reprotect(project) == Changes()
    assert Post.objects.get(pk=post.pk).text == stored.text
    again = import_files(project, [path])
    assert (again.imported, again.duplicates) == (0, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["one project", "every project"])
def test_the_handle_leaves_the_database_files_too(world, tmp_path, monkeypatch, how):
    link = f"https://{HANDLE}"
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [linking_post(1, f"See {link}", link)]}])
    earlier_rules(monkeypatch)
    import_files(world.project, [path])
    monkeypatch.undo()
    assert b"marrow" in database_files()

    if how == "one project":
        reprotect(world.project)
    else:  # the command's and the migration's way: the database scrubbed once, after all
        reprotect_projects(Project.objects.all())

    assert b"marrow" not in database_files()  # nor in the search index, nor the log
    assert "marrow" not in everything_stored_as_text()


@pytest.mark.django_db(transaction=True)
def test_an_import_while_it_runs_loses_nothing_and_leaves_no_name(world, tmp_path, monkeypatch):
    # An upgrade's reprotect and a researcher's upload into the same project at once.
    link = f"https://{HANDLE}"
    views = [linking_post(n, f"Respite {n}, see {link}", link) for n in range(1, 201)]
    stored = write_jsonl(tmp_path / "stored.jsonl", [{"posts": views[:120]}])
    arriving = write_jsonl(tmp_path / "arriving.jsonl", [{"posts": views[100:]}])
    earlier_rules(monkeypatch)
    import_files(world.project, [stored])
    monkeypatch.undo()
    monkeypatch.setattr(reprotect_module, "CHUNK", 10)  # many transactions to interleave with
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def run(name, work):
        barrier.wait()
        try:
            results[name] = work()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("reprotect", lambda: reprotect(world.project))),
        threading.Thread(
            target=run, args=("import", lambda: import_files(world.project, [arriving]))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert (results["import"].imported, results["import"].duplicates) == (80, 20)
    assert (results["reprotect"].posts, results["reprotect"].links) == (120, 120)
    assert Post.objects.count() == 200
    assert "marrow" not in everything_stored_as_text()
    value = pseudonym(world.project.secret_key, "bluesky", "@" + HANDLE)
    assert dict(tallies.counts(world.project, "domains")) == {value: 200}
    assert load_original(world.project, value)["handle"] == HANDLE  # neither lost the other's


def test_an_id_with_a_handle_in_it_takes_todays_and_a_copy_stored_under_it_is_merged(
    world, tmp_path, monkeypatch
):
    project = world.project
    project.keep_raw = True  # a kept raw payload is bound to its post's id
    project.save()
    rows = {n: f"https://{HANDLE}/post/{n},2024-02-01T1{n}:00:00Z,respite {n}" for n in (1, 2, 3)}
    mapping = {"platform_id": "id", "created_at": "created_at", "text": "text"}

    def table(*numbers):
        path = tmp_path / "posts.csv"
        path.write_text("id,created_at,text\n" + "\n".join(rows[n] for n in numbers) + "\n")
        return path

    value = pseudonym(project.secret_key, "bluesky", "@" + HANDLE)
    earlier_rules(monkeypatch)
    import_files(project, [table(1, 3)], mapping=mapping, platform="other")
    # Posts 2 and 4 were deleted on their platform: kept out of imports under their ids
    # as then stored; post 4's notice came again since, under today's rules.
    for kept_out in (
        f"https://{HANDLE}/post/2",
        f"https://{HANDLE}/post/4",
        f"https://{value}/post/4",
    ):
        Withdrawn.objects.create(project=project, platform="other", kind="post", value=kept_out)
    monkeypatch.undo()
    # Post 1 imported again under today's rules, before re-protecting: stored twice, and
    # both copies coded. The old one's text differs (as where a display name was left).
    import_files(project, [table(1)], mapping=mapping, platform="other")
    old = Post.objects.get(platform_id=f"https://{HANDLE}/post/1")
    twin = Post.objects.get(platform_id=f"https://{value}/post/1")
    Post.objects.filter(pk=old.pk).update(text="Note: respite 1")
    twice = code(project, old, "Note: respite 1", "respite")
    twice.coder_name = "pat"  # coded by two people: both stay
    twice.save()
    same = code(project, old, "Note: respite 1", "respite 1")
    code(project, twin, twin.text, "respite 1")  # the same passage, code and coder
    whole = Coding.objects.create(project=project, post=old, code=same.code, coder_name="pat")
    Memo.objects.create(project=project, target="coding", coding=same, text="on the old copy")
    Memo.objects.create(project=project, target="post", post=old, text="follow up")
    both = rounds.create_round(
        project, by=world.owner, name="Both copies", coders=[world.owner], size=3, seed=1
    )
    old_only = rounds.create_round(
        project, by=world.owner, name="Old copy", coders=[world.owner], size=3, seed=1
    )
    old_only.units.filter(post=twin).delete()
    topics = TopicModel.objects.create(project=project, k=2, posts=3)
    PostTopic.objects.create(topic_model=topics, post=old, topic=2, weight=0.9)
    assert sum(dict(tallies.counts(project, "kinds")).values()) == 3
    monkeypatch.setattr(reprotect_module, "CHUNK", 1)  # the twin in a chunk of its own
    seen = []

    changes = reprotect(project, progress=lambda checked, total: seen.append((checked, total)))

    assert sorted(Post.objects.values_list("platform_id", flat=True)) == [
        f"https://{value}/post/1",  # the copy under an id with the name in it is gone
        f"https://{value}/post/3",
    ]
    assert changes.merged == 1
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert sum(dict(tallies.counts(project, "kinds")).values()) == 2
    passages = sorted(
        (
            coding.coder_name,
            twin.text[coding.start : coding.end] if coding.is_span else "(whole post)",
        )
        for coding in twin.codings.all()
    )
    assert passages == [("olive", "respite 1"), ("pat", "(whole post)"), ("pat", "respite")]
    assert Coding.objects.filter(pk=whole.pk, post=twin).exists()
    kept = twin.codings.get(coder_name="olive")
    assert list(kept.memos.values_list("text", flat=True)) == ["on the old copy"]
    assert list(twin.memos.values_list("text", flat=True)) == ["follow up"]
    assert both.units.filter(post=twin).count() == 1 and both.units.count() == 2
    assert old_only.units.filter(post=twin).exists() and old_only.units.count() == 2
    assert not TopicModel.objects.filter(pk=topics.pk).exists()  # made from the old copy
    for post in Post.objects.all():
        raw = crypto.decrypt(
            project.secret_key, post.raw_encrypted, raw_payload_purpose(project.pk, post)
        )
        assert orjson.loads(raw)["text"] == post.text
    assert sorted(Withdrawn.objects.values_list("value", flat=True)) == [
        f"https://{value}/post/2",
        f"https://{value}/post/4",
    ]
    again = import_files(project, [table(1, 2, 3)], mapping=mapping, platform="other")
    assert (again.imported, again.duplicates) == (0, 2)  # post 2 stays out


def test_a_copy_done_or_adjudicated_in_a_round_its_twin_is_in_too_stays_so_once_merged(
    world, tmp_path, monkeypatch
):
    # Both copies drawn into one round: the twin's place stays, and it keeps what was
    # done on the old one's. Before, the coder's "done" and the adjudication went with it.
    project = world.project
    path = tmp_path / "posts.csv"
    path.write_text(f"id,created_at,text\nhttps://{HANDLE}/post/1,2024-02-01T10:00:00Z,respite\n")
    mapping = {"platform_id": "id", "created_at": "created_at", "text": "text"}
    earlier_rules(monkeypatch)
    import_files(project, [path], mapping=mapping, platform="other")
    monkeypatch.undo()
    import_files(project, [path], mapping=mapping, platform="other")
    old, twin = Post.objects.order_by("pk")
    respite = Code.objects.create(project=project, name="respite")
    round_ = rounds.create_round(
        project, by=world.owner, name="Both", coders=[world.owner, world.coder], size=2, seed=1
    )
    rounds.mark_done(round_, old, world.coder)
    rounds.mark_done(round_, old, world.owner)
    rounds.mark_done(round_, twin, world.owner)
    rounds.adjudicate(round_, round_.units.get(post=old), [respite.pk], by=world.owner)

    assert reprotect(project).merged == 1

    unit = round_.units.get()
    assert unit.post_id == twin.pk
    assert sorted(unit.done.values_list("coder__username", flat=True)) == ["chen", "olive"]
    assert unit.adjudicated_by == world.owner and unit.adjudicated_at is not None
    assert list(twin.codings.values_list("origin", flat=True)) == ["adjudicated"]
    assert reprotect(project) == Changes()


def test_what_earlier_rules_left_beside_a_pseudonym_goes(world):
    # "fennaé_demo" lost "fenna" only, "100%fenna-demo" all but "fe": the pseudonym stays,
    # the rest of the name goes.
    project = world.project
    music = pseudonym(project.secret_key, "mastodon", "fenna@music.youtube.com")
    blog = pseudonym(project.secret_key, "tumblr", "@nna-demo")
    text = f"Listen: music.youtube.com/@{music}é_demo and 100%fe{blog}.tumblr.com — thanks"
    post = Post.objects.create(
        project=project, platform="bluesky", platform_id="at://did:plc:x/app.bsky.feed.post/1",
        author="user-0000000000000000", created_at=timezone.now(), text=text,
    )  # fmt: skip
    thanks = code(project, post, text, "thanks")

    changes = reprotect(project)

    post.refresh_from_db()
    thanks.refresh_from_db()
    assert post.text == f"Listen: music.youtube.com/@{music} and 100%{blog}.tumblr.com — thanks"
    assert post.text[thanks.start : thanks.end] == "thanks"
    assert changes.posts == 1 and reprotect(project) == Changes()


def test_a_telegram_file_s_own_name_an_earlier_version_kept_goes(world):
    # Documents (files/) and, until today, videos and audio files sent under a name of
    # their own kept it as their stored path: "video_files/Quilla Marrow birthday.mp4".
    project = world.project
    post = Post.objects.create(
        project=project, platform="telegram", platform_id="-100123/7",
        author="user-0000000000000000", created_at=timezone.now(), text="",
    )  # fmt: skip
    named = "video_files/Quilla Marrow birthday.mp4"
    media = [
        (named, f"{named}_thumb.jpg"),
        ("files/Quilla_Marrow_CV.pdf", None),
        ("photos/photo_1@01-02-2024_10-00-00.jpg", None),  # named by Telegram: kept
    ]
    for position, (url, preview_url) in enumerate(media):
        PostMedia.objects.create(
            project=project, post=post, position=position, type="video", url=url,
            preview_url=preview_url,
        )  # fmt: skip

    changes = reprotect(project)

    stored = list(PostMedia.objects.values_list("url", "preview_url"))
    assert stored == [(None, None), (None, None), ("photos/photo_1@01-02-2024_10-00-00.jpg", None)]
    assert "marrow" not in everything_stored_as_text().lower()
    assert changes.media == 2 and reprotect(project) == Changes()


@pytest.mark.parametrize(
    ("link", "family", "people"),
    [
        # Earlier rules replaced the first channel= only, and a second pass the next one.
        (
            "https://player.twitch.tv/?channel={kept}&parent=x.org&channel=garethdemo"
            "&amp;channel=quillademo",
            "twitch",
            {"garethdemo": "@garethdemo", "quillademo": "@quillademo"},
        ),
        # They replaced the nested link's name, not the numbers after it.
        (
            "https://vk.com/feed?a=vk.com/{kept}&w=wall9876_2&amp;id=1234",
            "vk",
            {"9876": "@id9876", "1234": "@id1234"},
        ),
    ],
)
def test_people_earlier_rules_left_further_on_in_a_links_query_go(world, link, family, people):
    project = world.project
    link = link.format(kept=pseudonym(project.secret_key, family, "@fennademo"))
    post = Post.objects.create(
        project=project, platform="bluesky", platform_id="at://did:plc:x/app.bsky.feed.post/1",
        author="user-0000000000000000", created_at=timezone.now(), text=f"Watch {link} tonight",
    )  # fmt: skip
    PostLink.objects.create(project=project, post=post, url=link, domain=domain(link))

    changes = reprotect(project)

    now = link
    for written, identity in people.items():
        now = now.replace(written, pseudonym(project.secret_key, family, identity))
    post.refresh_from_db()
    assert post.text == f"Watch {now} tonight" and PostLink.objects.get().url == now
    assert (changes.posts, changes.links) == (1, 1) and reprotect(project) == Changes()


def test_results_made_from_the_changed_posts_are_removed_and_the_command_says_so(
    world, tmp_path, monkeypatch
):
    project = world.project
    link = f"https://{HANDLE}"
    earlier_export, earlier_file = finished_export(project, "before-the-posts.zip")
    earlier_topics = TopicModel.objects.create(project=project, k=2, posts=0)
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [linking_post(1, f"See {link}", link)]}])
    earlier_rules(monkeypatch)
    import_files(project, [path])
    monkeypatch.undo()
    later_export, later_file = finished_export(project, "with-the-handle.zip")
    later_file.write_text(f"See {link}")
    later_topics = TopicModel.objects.create(project=project, k=2, posts=1)

    assert run("--project", project.slug) == (
        "1 post, 1 link and 0 media items changed in project “Caregiver voices”. 2 analyses"
        " and exports made from the earlier texts were removed, as they may hold what was"
        " replaced: run them again.\n"
    )
    assert not later_file.exists() and not TopicModel.objects.filter(pk=later_topics.pk).exists()
    later_export.refresh_from_db()
    assert later_export.result == {}
    # Made before those posts came in: they never read them.
    assert earlier_file.exists() and TopicModel.objects.filter(pk=earlier_topics.pk).exists()
    earlier_export.refresh_from_db()
    assert earlier_export.result == {"file": f"exports/{project.pk}/before-the-posts.zip"}


def test_display_names_earlier_rules_left_are_replaced_by_the_names_kept_for_them(
    world, tmp_path, monkeypatch
):
    project = world.project
    own = bluesky_view(1, AUTHOR, "Respite tips, written by Quilla Marrow")
    own["author"]["displayName"] = "Quilla Marrow 🌿"
    own["record"]["embed"] = {
        "$type": "app.bsky.embed.images",
        "images": [{"alt": "QUILLA MARROW at the carers' cafe"}],
    }
    other = ("did:plc:bbbbbbbbbbbbbbbbbbbbbbbb", "bo-example.bsky.social")
    mentioning = bluesky_view(2, other, "Thank you, Quilla Marrow", mention=AUTHOR)
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [own, mentioning]}])
    monkeypatch.setattr(pseudonyms_module, "shown_name", lambda name, value: None)
    import_files(project, [path])  # as an early version: names left in the texts
    monkeypatch.undo()
    assert Post.objects.filter(text__contains="Quilla Marrow").count() == 2
    # An import record named after someone the project has come to know since.
    run_record = ImportRun.objects.create(
        project=project, label="ana-example.bsky.social_likes.json",
        files=[{"name": "ana-example.bsky.social_likes.json", "size": 1, "sha256": "0"}],
        report={"skipped_lines": {"not a post": [
            "ana-example.bsky.social_likes.json:3",  # a line, as before
            "ana-example.bsky.social_likes.json:item 3", "item 4 item 2",  # items of documents
        ]}},
        job=Job.objects.create(
            project=project, kind="import", title="Import of ana-example.bsky.social_likes.json"
        ),
    )  # fmt: skip

    changes = reprotect(project)

    quilla = pseudonym(project.secret_key, "bluesky", AUTHOR[0])
    texts = sorted(Post.objects.values_list("text", flat=True))
    assert texts[0] == f"Respite tips, written by {quilla}"
    assert texts[1].startswith(f"Thank you, {quilla} with @")
    assert PostMedia.objects.get().alt_text == f"{quilla} at the carers' cafe"
    run_record.refresh_from_db()  # the handle is the same person's
    assert run_record.label == f"{quilla}_likes.json"
    assert run_record.files[0]["name"] == f"{quilla}_likes.json"
    assert run_record.report["skipped_lines"]["not a post"] == [
        f"{quilla}_likes.json:3",
        f"{quilla}_likes.json:item 3",
        "item 4 item 2",
    ]
    assert Job.objects.get(pk=run_record.job_id).title == f"Import of {quilla}_likes.json"
    assert (changes.posts, changes.media, changes.imports) == (2, 1, 1)
    assert "quilla" not in everything_stored_as_text().lower()
    assert "ana-example" not in everything_stored_as_text()


def test_a_name_someone_went_by_before_the_one_kept_last_is_replaced_too(
    world, tmp_path, monkeypatch
):
    project = world.project
    files = renamed_person_files(tmp_path, first_text="Respite tips, written by Quilla Marrow")
    monkeypatch.setattr(pseudonyms_module, "shown_name", lambda name, value: None)
    import_files(project, files)  # as an early version: names left in the texts
    monkeypatch.undo()
    assert Post.objects.filter(text__contains="Quilla Marrow").count() == 2

    changes = reprotect(project)

    quilla = pseudonym(project.secret_key, "bluesky", QUILLA[0])
    texts = set(Post.objects.values_list("text", flat=True))
    assert f"Respite tips, written by {quilla}" in texts
    assert f"Thank you, {quilla} with @{quilla}" in texts
    assert PostMedia.objects.get().alt_text == f"{quilla} at the carers' cafe"
    assert (changes.posts, changes.media) == (2, 1)
    assert "marrow" not in everything_stored_as_text().lower()


def test_a_stored_pseudonym_is_kept_though_its_persons_name_is_replaced_beside_it(
    world, tmp_path, monkeypatch
):
    # Today's rules read "@<pseudonym>.ex" as a handle and would make another person of
    # it; replacing the author's display name in the same text puts the pseudonym in
    # once more, so a count of the pseudonyms over the whole text did not see it go.
    project = world.project
    view = bluesky_view(1, AUTHOR, "Respite tips")
    view["author"]["displayName"] = "Quilla Marrow"
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [view]}])
    monkeypatch.setattr(pseudonyms_module, "shown_name", lambda name, value: None)
    import_files(project, [path])
    monkeypatch.undo()
    quilla = pseudonym(project.secret_key, "bluesky", AUTHOR[0])
    link = f"tiktok.com/@{quilla}.ex"
    Post.objects.update(text=f"Follow me: {link} — Quilla Marrow")

    assert reprotect(project).posts == 1

    assert Post.objects.get().text == f"Follow me: {link} — {quilla}"
    assert reprotect(project) == Changes()


def test_an_import_record_named_after_someone_s_display_name_loses_it(world, tmp_path):
    import_files(world.project, [renamed_person_files(tmp_path)[0]])  # "Quilla Marrow"
    # Stored before file names were matched with the display names kept.
    run_record = ImportRun.objects.create(
        project=world.project,
        label="Quilla Marrow replies.jsonl",
        files=[{"name": "Quilla Marrow replies.jsonl", "size": 1, "sha256": "0"}],
        report={"skipped_lines": {"not a post": ["Quilla Marrow replies.jsonl:3"]}},
    )

    changes = reprotect(world.project)

    quilla = pseudonym(world.project.secret_key, "bluesky", QUILLA[0])
    run_record.refresh_from_db()
    assert changes.imports == 1
    assert run_record.label == f"{quilla} replies.jsonl"
    assert run_record.files[0]["name"] == f"{quilla} replies.jsonl"
    assert run_record.report["skipped_lines"]["not a post"] == [f"{quilla} replies.jsonl:3"]


def test_an_import_records_label_cut_in_a_file_name_loses_the_name_too(world, tmp_path):
    project = world.project
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [bluesky_view(1, AUTHOR)]}])
    import_files(project, [path])
    names = ["notes.json"] + [f"ana-example.bsky.social_{n:02d}.json" for n in range(12)]
    label = ", ".join(names)[:300]  # as an import cuts it: the last name in two
    assert label.endswith(", ana-example.bsky.social_")
    run_record = ImportRun.objects.create(
        project=project, label=label, files=[{"name": name, "size": 1} for name in names]
    )

    assert reprotect(project).imports == 1

    run_record.refresh_from_db()
    quilla = pseudonym(project.secret_key, "bluesky", AUTHOR[0])
    assert run_record.label == ", ".join(entry["name"] for entry in run_record.files)[:300]
    assert "ana-example" not in run_record.label and run_record.label.count(quilla) > 1


def test_an_archive_member_named_where_it_failed_loses_the_name_too(world, tmp_path):
    project = world.project
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [bluesky_view(1, AUTHOR)]}])
    import_files(project, [path])
    error = "export.zip: “ana-example.bsky.social.json” in the zip would unpack to 9 GB"
    run_record = ImportRun.objects.create(
        project=project, label="export.zip", files=[{"name": "export.zip", "size": 1}],
        report={"errors": [error], "files": [{"name": "export.zip", "error": error[12:]}]},
        message=error,
    )  # fmt: skip

    assert reprotect(project).imports == 1

    run_record.refresh_from_db()
    quilla = pseudonym(project.secret_key, "bluesky", AUTHOR[0])
    assert run_record.message == error.replace(AUTHOR[1], quilla)
    assert run_record.report["errors"] == [run_record.message]
    assert run_record.report["files"][0]["error"] == run_record.message[12:]
    # A collection's record quoting someone in its message: its job keeps its title.
    job = Job.objects.create(project=project, kind="collect", title="Collect “carers”")
    ImportRun.objects.create(
        project=project, label="Collection “carers”", job=job, message=error[12:]
    )
    assert reprotect(project).imports == 1
    job.refresh_from_db()
    assert job.title == "Collect “carers”"


def test_an_archive_member_named_where_a_note_names_its_lines_loses_the_name_too(world, tmp_path):
    project = world.project
    import_files(
        project, [write_jsonl(tmp_path / "feed.jsonl", [{"posts": [bluesky_view(1, AUTHOR)]}])]
    )
    where = f"export.zip:{AUTHOR[1]}.json:4"
    note = "date before 2000 or in the future: kept as given"
    run_record = ImportRun.objects.create(
        project=project, label="export.zip", files=[{"name": "export.zip", "size": 1}],
        report={"warnings": {note: 1}, "warning_lines": {note: [where]}},
    )  # fmt: skip

    assert reprotect(project).imports == 1

    run_record.refresh_from_db()
    quilla = pseudonym(project.secret_key, "bluesky", AUTHOR[0])
    assert run_record.report["warning_lines"] == {note: [where.replace(AUTHOR[1], quilla)]}


def test_contacts_are_scrubbed_only_when_the_project_scrubs_them(world, tmp_path):
    project = world.project
    project.scrub_contacts = False
    project.save()
    text = "Call 06 12 34 56 78 for respite advice."
    import_files(project, [write_jsonl(tmp_path / "feed.jsonl", [{"posts": [bluesky_view(1, AUTHOR, text)]}])])  # fmt: skip
    post = Post.objects.get()
    advice = code(project, post, post.text, "respite advice")

    assert reprotect(project) == Changes()
    assert Post.objects.get().text == text

    project.scrub_contacts = True
    project.save()
    reprotect(project)

    stored = Post.objects.get()
    assert stored.text == "Call [phone] for respite advice."
    advice.refresh_from_db()
    assert stored.text[advice.start : advice.end] == "respite advice"


def run(*args):
    out = io.StringIO()
    call_command("reprotect", *args, stdout=out)
    return out.getvalue()


def test_the_command_says_what_changed_and_which_projects_it_could_not_open(
    world, tmp_path, monkeypatch
):
    link = f"https://{HANDLE}"
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [linking_post(1, f"See {link}", link)]}])
    earlier_rules(monkeypatch)
    import_files(world.project, [path])
    monkeypatch.undo()
    locked = Project.create(name="Locked away", owner=world.owner)
    Project.objects.filter(pk=locked.pk).update(wrapped_key=b"\0" * 60)  # another master key's

    assert run("--project", world.project.slug) == (
        "1 post, 1 link and 0 media items changed in project “Caregiver voices”.\n"
    )
    with pytest.raises(CommandError, match="1 project can't be read .*: locked-away"):
        run("--all")
    with pytest.raises(CommandError, match="There is no project “nowhere”"):
        run("--project", "nowhere")


@pytest.mark.parametrize(
    "name",
    [
        "0016_reprotect_stored_posts",
        "0017_reprotect_again",
        "0018_reprotect_again",
        "0019_reprotect_again",
    ],
)
def test_the_migrations_reprotect_every_project_they_can_open_and_go_on(
    world, tmp_path, monkeypatch, caplog, name
):
    migration = importlib.import_module(f"socialgood.collect.migrations.{name}")
    (operation,) = migration.Migration.operations
    assert operation.code is migration.reprotect_stored_posts
    locked = Project.create(name="Locked away", owner=world.owner)
    link = f"https://{HANDLE}"
    path = write_jsonl(tmp_path / "feed.jsonl", [{"posts": [linking_post(1, f"See {link}", link)]}])
    earlier_rules(monkeypatch)
    import_files(world.project, [path])
    import_files(locked, [path])
    monkeypatch.undo()
    Project.objects.filter(pk=locked.pk).update(wrapped_key=b"\0" * 60)

    migration.reprotect_stored_posts(apps, None)  # no DecryptionError

    assert HANDLE not in Post.objects.get(project=world.project).text
    assert HANDLE in Post.objects.get(project=locked).text
    assert "socialgood reprotect --project locked-away" in caplog.text


def test_a_passage_next_to_another_changed_link_covers_its_own_words_only():
    # Two links side by side, both changed: as one edit, a passage that ended with the
    # first took in the second, and one that started with the second began in the first.
    old = "Find me: twitch.tv/fennademo pinterest.com/fennademo - thanks to everyone"
    rules = Pseudonymiser(b"project key of the caregiver study")
    new = rules.again(old, "text", "x")
    edits = edits_between(old, new)
    for passage in ("Find me: twitch.tv/fennademo", "pinterest.com/fennademo - thanks"):
        start = old.index(passage)
        end = start + len(passage)
        now = new[moved(start, edits, at_end=False) : moved(end, edits, at_end=True)]
        assert now == rules.again(passage, "text", "x")
