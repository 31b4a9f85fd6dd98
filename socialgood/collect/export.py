"""Stored posts out again, in the common post model.

`export_ndjson` writes one JSON object per line with the field names of
socialgood.platforms.model.Post, so an export reads like a parser's output:

    platform, platform_id, created_at (ISO 8601, UTC, "Z"), author, text, url, lang,
    kind, reply_to, quote_of, repost_of, thread_root,
    hashtags ["tag", ...], mentions ["user-…", ...], links [{url, domain}],
    media [{type, url, alt_text, preview_url, width, height}], metrics {likes, ...},
    community, provenance {import, mapper}

`author` and every mention are the pseudonym strings stored in the database (the
model's Person {id, handle} holds the same pseudonym twice after pseudonymisation, so
one string says it all). Raw payloads are never exported. Posts are read in chunks,
so memory stays flat whatever the size of the project.
"""

import os
from collections import defaultdict
from pathlib import Path

import orjson

from socialgood.collect.ingest import batches
from socialgood.collect.models import PostHashtag, PostLink, PostMedia, PostMention
from socialgood.projects.models import AuditEvent

CHUNK = 2000
POST_FIELDS = (
    "id", "platform", "platform_id", "created_at", "author", "text", "url", "lang", "kind",
    "reply_to", "quote_of", "repost_of", "thread_root", "metrics", "community",
    "import_run_id", "mapper",
)  # fmt: skip


def export_ndjson(project, out_path, *, user=None, posts=None):
    """Write the project's posts (or the Post queryset `posts`) to `out_path`; returns the count."""
    if posts is None:
        posts = project.posts.all()
    rows = posts.order_by("id").values_list(*POST_FIELDS).iterator(chunk_size=CHUNK)
    count = 0
    # Written beside the target and renamed when complete: a full disk or an interrupted
    # export never leaves a file that looks like the whole project but is not.
    out_path = Path(out_path)
    partial = out_path.with_name(out_path.name + ".partial")
    try:
        with open(partial, "wb") as out:
            for chunk in batches(rows, CHUNK):
                for record in _records(chunk):
                    out.write(orjson.dumps(record, option=orjson.OPT_UTC_Z) + b"\n")
                    count += 1
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    AuditEvent.record(
        user, project, "export.download", target="posts.ndjson", format="ndjson", posts=count
    )
    return count


def _records(rows):
    ids = [row[0] for row in rows]
    hashtags = _grouped(PostHashtag, ids, "tag")
    mentions = _grouped(PostMention, ids, "person")
    links = _grouped(PostLink, ids, "url", "domain")
    media = _grouped(PostMedia, ids, "type", "url", "alt_text", "preview_url", "width", "height")
    for row in rows:
        post = dict(zip(POST_FIELDS, row, strict=True))
        post_id = post.pop("id")
        import_run_id = post.pop("import_run_id")
        mapper = post.pop("mapper")
        yield {
            "platform": post["platform"],
            "platform_id": post["platform_id"],
            "created_at": post["created_at"],
            "author": post["author"],
            "text": post["text"],
            "url": post["url"],
            "lang": post["lang"],
            "kind": post["kind"],
            "reply_to": post["reply_to"],
            "quote_of": post["quote_of"],
            "repost_of": post["repost_of"],
            "thread_root": post["thread_root"],
            "hashtags": [tag for (tag,) in hashtags[post_id]],
            "mentions": [person for (person,) in mentions[post_id]],
            "links": [{"url": url, "domain": domain} for url, domain in links[post_id]],
            "media": [
                {
                    "type": type_,
                    "url": url,
                    "alt_text": alt_text,
                    "preview_url": preview_url,
                    "width": width,
                    "height": height,
                }
                for type_, url, alt_text, preview_url, width, height in media[post_id]
            ],
            "metrics": post["metrics"],
            "community": post["community"],
            "provenance": {"import": import_run_id, "mapper": mapper},
        }


def _grouped(model, post_ids, *fields):
    """{post id: [(field values), ...]} in stored order, for one chunk of posts."""
    grouped = defaultdict(list)
    order = ("post_id", "position") if model is PostMedia else ("post_id", "id")
    rows = (
        model.objects.filter(post_id__in=post_ids).order_by(*order).values_list("post_id", *fields)
    )
    for post_id, *values in rows:
        grouped[post_id].append(tuple(values))
    return grouped
