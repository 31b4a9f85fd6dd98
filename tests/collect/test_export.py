"""NDJSON export of stored posts in the common post model."""

from datetime import datetime

import msgspec
import orjson
from django.core.management import call_command

from socialgood.collect.imports import import_files
from socialgood.collect.models import Post
from socialgood.platforms.model import Post as ParsedPost
from socialgood.projects.models import AuditEvent
from tests.collect.conftest import FIXTURES


def exported(world, tmp_path, *names):
    run = import_files(world.project, [FIXTURES / name for name in names])
    out = tmp_path / "posts.ndjson"
    call_command(
        "export",
        project=world.project.slug,
        format="ndjson",
        out=str(out),
        stdout=open("/dev/null", "w"),
    )
    return run, [orjson.loads(line) for line in out.read_bytes().splitlines()]


def test_every_stored_post_is_one_line_with_the_model_field_names(world, tmp_path):
    run, records = exported(world, tmp_path, "bluesky/search.jsonl", "mastodon/timeline.jsonl")

    assert len(records) == Post.objects.filter(project=world.project).count() == 9
    model_fields = set(ParsedPost.__struct_fields__) - {"raw"}
    for record in records:
        assert set(record) == model_fields | {"provenance"}
        assert record["provenance"]["import"] == run.pk
        assert record["provenance"]["mapper"] in ("bluesky/1", "mastodon/2")


def test_exported_fields_match_the_stored_rows(world, tmp_path):
    _, records = exported(world, tmp_path, "bluesky/search.jsonl", "mastodon/timeline.jsonl")

    for record in records:
        post = Post.objects.get(
            project=world.project, platform=record["platform"], platform_id=record["platform_id"]
        )
        assert record["created_at"].endswith("Z")
        assert datetime.fromisoformat(record["created_at"]) == post.created_at
        for field in (
            "url",
            "author",
            "text",
            "lang",
            "kind",
            "reply_to",
            "quote_of",
            "repost_of",
            "thread_root",
            "community",
            "metrics",
        ):
            assert record[field] == getattr(post, field), field
        assert record["hashtags"] == list(
            post.hashtags.order_by("id").values_list("tag", flat=True)
        )
        assert record["mentions"] == list(
            post.mentions.order_by("id").values_list("person", flat=True)
        )
        assert record["links"] == [
            {"url": link.url, "domain": link.domain} for link in post.links.order_by("id")
        ]
        assert record["media"] == [
            {
                "type": m.type,
                "url": m.url,
                "alt_text": m.alt_text,
                "preview_url": m.preview_url,
                "width": m.width,
                "height": m.height,
            }
            for m in post.media.all()
        ]
        assert record["author"].startswith("user-")
        assert all(person.startswith("user-") for person in record["mentions"])


def test_an_export_reads_back_as_common_model_posts(world, tmp_path):
    _, records = exported(world, tmp_path, "twarc2/search.jsonl")

    for record in records:
        record.pop("provenance")
        record["author"] = {"id": record["author"], "handle": record["author"]}
        record["mentions"] = [{"id": p, "handle": p} for p in record["mentions"]]
        post = msgspec.convert(record, ParsedPost)
        assert post.created_at.tzinfo is not None


def test_an_export_is_audited_without_post_content(world, tmp_path):
    exported(world, tmp_path, "bluesky/search.jsonl")

    event = AuditEvent.objects.get(action="export.download")
    assert event.details == {"format": "ndjson", "posts": 4}
