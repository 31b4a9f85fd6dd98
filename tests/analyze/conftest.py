"""Six invented posts with known answers, stored with the ORM as the importer would store them.

p1 bluesky 2024-03-01 10:00Z user-ann   "Respite care saved my week #carers #respite" (link example.org)
p2 bluesky 2024-03-01 23:30Z user-ben   reply to p1, mentions user-ann, #carers
p3 mastodon 2024-03-02 08:00Z user-cat  #carers #kinship #respite, image with alt text
p4 mastodon 2024-03-02 12:00Z user-ann  German, #pflege #carers, image without alt text
p5 bluesky 2024-03-03 09:00Z user-ben   reply to p2 (thread root p1), no hashtags
p6 x        2024-03-03 18:40Z user-dan  19-digit id, quotes another post, text starts with "="
"""

from datetime import UTC, datetime

import pytest

from socialgood.collect.models import Post, PostHashtag, PostLink, PostMedia, PostMention


def make_post(project, platform, platform_id, when, author, text, *, tags=(), mentions=(),
              links=(), media=(), **fields):  # fmt: skip
    post = Post.objects.create(
        project=project,
        platform=platform,
        platform_id=platform_id,
        created_at=datetime.fromisoformat(when).replace(tzinfo=UTC),
        author=author,
        text=text,
        has_media=bool(media),
        has_alt_text=any(alt for _, alt in media),
        **fields,
    )
    for tag in tags:
        PostHashtag.objects.create(project=project, post=post, tag=tag)
    for person in mentions:
        PostMention.objects.create(project=project, post=post, person=person)
    for url in links:
        PostLink.objects.create(project=project, post=post, url=url, domain=url.split("/")[2])
    for position, (kind, alt) in enumerate(media):
        PostMedia.objects.create(
            project=project, post=post, position=position, type=kind,
            url=f"https://media.example.org/{platform_id}.jpg", alt_text=alt,
        )  # fmt: skip
    return post


class Sample:
    def __init__(self, project):
        bsky = "at://did:plc:example{}/app.bsky.feed.post/{}"
        self.p1 = make_post(
            project, "bluesky", bsky.format(1, "3kaa1"), "2024-03-01 10:00", "user-ann",
            "Respite care saved my week #carers #respite", tags=["carers", "respite"],
            links=["https://example.org/respite"], lang="en", metrics={"likes": 5, "reposts": 1}, engagement=6,
        )  # fmt: skip
        self.p2 = make_post(
            project, "bluesky", bsky.format(2, "3kaa2"), "2024-03-01 23:30", "user-ben",
            "@user-ann respite care is so hard to find #carers", tags=["carers"], mentions=["user-ann"],
            lang="en", kind="reply", reply_to=self.p1.platform_id, thread_root=self.p1.platform_id, engagement=2,
        )  # fmt: skip
        self.p3 = make_post(
            project, "mastodon", "https://social.example.org/users/cat/statuses/1", "2024-03-02 08:00",
            "user-cat", "Kinship carers need support #carers #kinship #respite",
            tags=["carers", "kinship", "respite"], media=[("image", "A kitchen table with letters")], lang="en",
        )  # fmt: skip
        self.p4 = make_post(
            project, "mastodon", "https://social.example.org/users/ann/statuses/2", "2024-03-02 12:00",
            "user-ann", "Pflegende Angehörige brauchen Entlastung #pflege #carers",
            tags=["pflege", "carers"], media=[("image", None)], lang="de",
        )  # fmt: skip
        self.p5 = make_post(
            project, "bluesky", bsky.format(2, "3kaa5"), "2024-03-03 09:00", "user-ben",
            "I feel terrible and exhausted today", lang="en", kind="reply",
            reply_to=self.p2.platform_id, thread_root=self.p1.platform_id,
        )  # fmt: skip
        self.p6 = make_post(
            project, "x", "1790000000000000123", "2024-03-03 18:40", "user-dan",
            "=SUM(A1) great news for carers! #carers", tags=["carers"], lang="en", kind="quote",
            quote_of="1790000000000000001", metrics={"likes": 40}, engagement=40,
        )  # fmt: skip
        self.all = [self.p1, self.p2, self.p3, self.p4, self.p5, self.p6]


@pytest.fixture
def sample(world):
    return Sample(world.project)
