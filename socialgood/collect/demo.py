"""Invented posts for the demo project, in the platforms' real response formats.

`load_demo_posts` writes Bluesky searchPosts pages, Mastodon tag-timeline pages and
Reddit listings to a temporary directory and imports them through `import_files`,
so the demo shows the real pipeline: parsing, pseudonymisation, storage, search.

Everything is invented: the people, their handles (`*.bsky.social`, `care.example`,
`u/...` on made-up servers), the texts and the links (example.org). The generator is
seeded, so the same day gives the same posts; dates fall in the 60 days before it.
"""

import json
import random
import shutil
import string
import tempfile
from datetime import UTC, datetime, timedelta

from django.conf import settings

from socialgood.collect.imports import import_files

SEED = 20260115
DAYS = 60
BLUESKY_POSTS = 140
MASTODON_POSTS = 110
REDDIT_POSTS = 90
PAGE_SIZE = 25

BLUESKY_PEOPLE = [
    ("maple-carer.bsky.social", "Maple (caring for Mum)"),
    ("rowan-sw.bsky.social", "Rowan, social worker"),
    ("juniper-nights.bsky.social", "Juniper"),
    ("ash-and-tea.bsky.social", "Ash"),
    ("willow-respite.bsky.social", "Willow"),
    ("hazel-peer.bsky.social", "Hazel | peer support"),
    ("linden-msw.bsky.social", "Linden (MSW student)"),
    ("elm-dad-carer.bsky.social", "Elm"),
]
MASTODON_PEOPLE = [
    ("rowan", "care.example", "Rowan"),
    ("birch", "care.example", "Birch 🌿"),
    ("sorrel", "social.example", "Sorrel, school social worker"),
    ("fern", "social.example", "Fern"),
    ("alder", "mentalhealth.example", "Alder"),
    ("poppy", "mentalhealth.example", "Poppy (she/her)"),
    ("quill", "care.example", "Quill"),
]
REDDIT_PEOPLE = [
    "tired_but_trying_22",
    "carer_of_two",
    "quiet-lighthouse",
    "sw_in_training",
    "kettle_on_again",
    "gentle_pace",
    "night_shift_nurse_ex",
]
SUBREDDITS = ["CaregiverSupport", "socialwork", "MentalHealthSupport"]

TAGS = [
    "caregiving", "burnout", "socialwork", "mentalhealth", "carers", "selfcare",
    "dementia", "respite", "peersupport", "wellbeing",
]  # fmt: skip

OPENERS = [
    "Day {n} of caring for my mum with dementia.",
    "Small win today:",
    "Honest check-in from a family carer:",
    "A thought after a long shift in child protection:",
    "Reminder for anyone caring for someone else:",
    "Our carers' group met again this week.",
    "Back from a home visit and still thinking about it.",
    "Question for other social workers:",
    "Three years of caring for my partner, and",
    "Supervision today helped more than I expected.",
]
MIDDLES = [
    "she smiled when I put her favourite music on, and for ten minutes we just sang.",
    "I finally asked for respite care and the world did not end.",
    "the exhaustion is real, but so is the support in this community.",
    "burnout crept up slowly; naming it was the first step.",
    "the family taught me more about resilience than any textbook.",
    "we talked about how to say no without guilt.",
    "how do you keep boundaries when the waiting list is this long?",
    "a neighbour dropped off soup and I nearly cried.",
    "I am learning that resting is part of the job, not a break from it.",
    "the new peer support line has been a lifeline for two people I work with.",
    "writing things down at night helps me sleep.",
    "our team now starts each meeting with a five-minute check-in.",
]
CLOSERS = [
    "Be gentle with yourselves today.",
    "If you are carrying a lot right now, you are not alone.",
    "Any tips welcome.",
    "Grateful for this corner of the internet.",
    "Tea first, then the paperwork.",
    "Sharing in case it helps someone.",
    "",
]
REPLIES = [
    "This is so relatable. Sending you strength.",
    "Thank you for sharing this, it helps to know others feel the same.",
    "We did the same last year and it made a real difference.",
    "Our local carers' centre has a respite fund, worth asking about.",
    "Proud of you for asking for help.",
    "Saving this for my next supervision session.",
]
ALT_TEXTS = [
    "Two mugs of tea on a kitchen table next to a pill organiser.",
    "A hand-drawn weekly care rota stuck to a fridge with magnets.",
    "A quiet park bench under autumn trees.",
    "A handwritten note that says 'one day at a time'.",
    "A small garden with tomato plants in pots.",
]
LINKS = [
    "https://example.org/carers/respite-guide",
    "https://example.org/research/burnout-in-social-work",
    "https://example.org/helplines",
    "https://example.net/blog/what-carers-need",
]


def load_demo_posts(project, user, *, today=None):
    """Generate the demo files, import them into `project` and return the ImportRun."""
    end = datetime.combine(today or datetime.now(UTC).date(), datetime.min.time(), UTC)
    directory = tempfile.mkdtemp(prefix="demo-", dir=settings.DATA_DIR)
    try:
        paths = write_demo_files(directory, end)
        return import_files(project, paths, user=user)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def write_demo_files(directory, end):
    """Write the three platforms' pages as JSON Lines files; returns their paths."""
    generator = _Generator(random.Random(SEED), end)
    files = {
        "bluesky-searchPosts.jsonl": generator.bluesky_pages(),
        "mastodon-tag-timeline.jsonl": generator.mastodon_pages(),
        "reddit-listings.jsonl": generator.reddit_pages(),
    }
    paths = []
    for name, pages in files.items():
        path = f"{directory}/{name}"
        with open(path, "w", encoding="utf-8") as out:
            for page in pages:
                out.write(json.dumps(page, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


class _Generator:
    def __init__(self, rng, end):
        self.rng = rng
        self.end = end

    # shared pieces

    def moment(self):
        return self.end - timedelta(seconds=self.rng.randrange(DAYS * 86400))

    def sentence(self):
        rng = self.rng
        opener = rng.choice(OPENERS).format(n=rng.randrange(2, 900))
        middle = rng.choice(MIDDLES)
        if opener.endswith("."):
            middle = middle[0].upper() + middle[1:]
        return " ".join(part for part in (opener, middle, rng.choice(CLOSERS)) if part)

    def tags(self):
        return self.rng.sample(TAGS, self.rng.choice((0, 1, 1, 2, 2, 3)))

    def counts(self):
        rng = self.rng
        return {
            "likes": int(rng.paretovariate(1.3)) - 1,
            "reposts": int(rng.paretovariate(1.8)) - 1,
            "replies": rng.randrange(0, 6),
            "quotes": rng.randrange(0, 2),
        }

    def token(self, alphabet, size):
        return "".join(self.rng.choice(alphabet) for _ in range(size))

    # Bluesky: app.bsky.feed.searchPosts responses

    def bluesky_pages(self):
        rng = self.rng
        people = [
            {
                "did": "did:plc:" + self.token("abcdefghijklmnopqrstuvwxyz234567", 24),
                "handle": handle,
                "displayName": name,
                "avatar": f"https://cdn.bsky.app/img/avatar/plain/demo/{i}@jpeg",
                "labels": [],
                "createdAt": "2023-05-01T10:00:00.000Z",
            }
            for i, (handle, name) in enumerate(BLUESKY_PEOPLE)
        ]
        views = []
        for _ in range(BLUESKY_POSTS):
            author = rng.choice(people)
            created = self.moment()
            rkey = self.token("234567abcdefghijklmnopqrstuvwxyz", 13)
            uri = f"at://{author['did']}/app.bsky.feed.post/{rkey}"
            text, facets = self.bluesky_text(people, author)
            record = {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": _iso(created),
                "langs": ["en"],
            }
            if facets:
                record["facets"] = facets
            view = {
                "uri": uri,
                "cid": "bafyrei" + self.token("abcdefghijklmnopqrstuvwxyz234567", 52),
                "author": author,
                "record": record,
                "indexedAt": _iso(created + timedelta(seconds=2)),
                "labels": [],
            }
            earlier = [v for v in views if v["record"]["createdAt"] < record["createdAt"]]
            roll = rng.random()
            if earlier and roll < 0.25:
                parent = rng.choice(earlier)
                root = parent["record"].get("reply", {}).get("root") or _ref(parent)
                record["reply"] = {"root": root, "parent": _ref(parent)}
                record["text"] = rng.choice(REPLIES)
                record.pop("facets", None)
            elif earlier and roll < 0.35:
                quoted = rng.choice(earlier)
                record["embed"] = {"$type": "app.bsky.embed.record", "record": _ref(quoted)}
                view["embed"] = {
                    "$type": "app.bsky.embed.record#view",
                    "record": {
                        "$type": "app.bsky.embed.record#viewRecord",
                        "uri": quoted["uri"],
                        "cid": quoted["cid"],
                        "author": quoted["author"],
                        "value": quoted["record"],
                        "indexedAt": quoted["indexedAt"],
                    },
                }
            elif roll < 0.6:
                self.bluesky_images(record, view, author)
            counts = self.counts()
            view.update(
                replyCount=counts["replies"],
                repostCount=counts["reposts"],
                likeCount=counts["likes"],
                quoteCount=counts["quotes"],
            )
            views.append(view)
        views.sort(key=lambda view: view["record"]["createdAt"], reverse=True)
        pages = list(_chunks(views, PAGE_SIZE))
        for number, page in enumerate(pages, 1):
            response = {"posts": page}
            if number < len(pages):
                response["cursor"] = str(number * PAGE_SIZE)
            yield response

    def bluesky_text(self, people, author):
        rng = self.rng
        text = self.sentence()
        facets = []
        if rng.random() < 0.25:
            other = rng.choice([person for person in people if person is not author])
            mention = "@" + other["handle"]
            text += " Thinking of " + mention + "."
            start = len(text.encode()) - len(mention.encode()) - 1
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": start + len(mention.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": other["did"]}],
                }
            )
        tags = self.tags()
        for tag in tags:
            text += " "
            start = len(text.encode())
            text += "#" + tag
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": len(text.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                }
            )
        if rng.random() < 0.15:
            url = rng.choice(LINKS)
            text += " " + url.removeprefix("https://")
            start = len(text.encode()) - len(url.removeprefix("https://").encode())
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": len(text.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
                }
            )
        return text, facets

    def bluesky_images(self, record, view, author):
        rng = self.rng
        images, shown = [], []
        for _ in range(rng.choice((1, 1, 2))):
            cid = "bafkrei" + self.token("abcdefghijklmnopqrstuvwxyz234567", 52)
            alt = rng.choice(ALT_TEXTS) if rng.random() < 0.6 else ""
            ratio = {"width": 1200, "height": rng.choice((800, 900, 1600))}
            images.append(
                {
                    "alt": alt,
                    "image": {
                        "$type": "blob",
                        "ref": {"$link": cid},
                        "mimeType": "image/jpeg",
                        "size": rng.randrange(40_000, 900_000),
                    },
                    "aspectRatio": ratio,
                }
            )
            base = f"https://cdn.bsky.app/img/feed_{{}}/plain/{author['did']}/{cid}@jpeg"
            shown.append(
                {
                    "thumb": base.format("thumbnail"),
                    "fullsize": base.format("fullsize"),
                    "alt": alt,
                    "aspectRatio": ratio,
                }
            )
        record["embed"] = {"$type": "app.bsky.embed.images", "images": images}
        view["embed"] = {"$type": "app.bsky.embed.images#view", "images": shown}

    # Mastodon: GET /api/v1/timelines/tag/:tag pages (JSON arrays of Status)

    def mastodon_pages(self):
        rng = self.rng
        accounts = [
            {
                "id": str(109_000_000_000_000_000 + 1000 * i),
                "username": user,
                "acct": f"{user}@{server}" if server != "care.example" else user,
                "display_name": name,
                "locked": False,
                "bot": False,
                "created_at": "2022-11-05T00:00:00.000Z",
                "note": "<p>Invented account for the socialgood demo.</p>",
                "url": f"https://{server}/@{user}",
                "uri": f"https://{server}/users/{user}",
                "avatar": f"https://{server}/avatars/original/missing.png",
                "followers_count": rng.randrange(20, 900),
                "following_count": rng.randrange(20, 400),
                "statuses_count": rng.randrange(50, 4000),
                "emojis": [],
                "fields": [],
            }
            for i, (user, server, name) in enumerate(MASTODON_PEOPLE)
        ]
        statuses = []
        next_id = 113_000_000_000_000_000
        for _ in range(MASTODON_POSTS):
            account = rng.choice(accounts)
            server = account["url"].split("/")[2]
            created = self.moment()
            next_id += rng.randrange(10_000, 900_000)
            status_id = str(next_id)
            sentence = self.sentence()
            mentions = []
            if rng.random() < 0.2:
                other = rng.choice([a for a in accounts if a is not account])
                mentions.append(
                    {
                        "id": other["id"],
                        "username": other["username"],
                        "url": other["url"],
                        "acct": other["acct"],
                    }
                )
            tags = self.tags()
            status = {
                "id": status_id,
                "created_at": _iso(created),
                "in_reply_to_id": None,
                "in_reply_to_account_id": None,
                "sensitive": False,
                "spoiler_text": "",
                "visibility": "public",
                "language": "en",
                "uri": f"https://{server}/users/{account['username']}/statuses/{status_id}",
                "url": f"https://{server}/@{account['username']}/{status_id}",
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
                "quotes_count": 0,
                "edited_at": None,
                "content": _mastodon_html(sentence, mentions, tags, server),
                "reblog": None,
                "application": {"name": "Web", "website": None},
                "account": account,
                "media_attachments": [],
                "mentions": mentions,
                "tags": [{"name": tag, "url": f"https://{server}/tags/{tag}"} for tag in tags],
                "emojis": [],
                "card": None,
                "poll": None,
            }
            counts = self.counts()
            status.update(
                replies_count=counts["replies"],
                reblogs_count=counts["reposts"],
                favourites_count=counts["likes"],
                quotes_count=counts["quotes"],
            )
            earlier = [
                s
                for s in statuses
                if s["reblog"] is None and s["created_at"] < status["created_at"]
            ]
            roll = rng.random()
            if earlier and roll < 0.2:
                parent = rng.choice(earlier)
                status["in_reply_to_id"] = parent["id"]
                status["in_reply_to_account_id"] = parent["account"]["id"]
                status["content"] = f"<p>{rng.choice(REPLIES)}</p>"
                status["tags"] = []
                status["mentions"] = []
            elif earlier and roll < 0.32:
                original = rng.choice(earlier)
                status.update(
                    content="",
                    reblog=original,
                    tags=[],
                    mentions=[],
                    uri=f"{account['uri']}/statuses/{status_id}/activity",
                    url=None,
                    language=None,
                )
            elif roll < 0.55:
                status["media_attachments"] = [self.mastodon_media(server)]
            statuses.append(status)
        statuses.sort(key=lambda status: status["created_at"], reverse=True)
        yield from _chunks(statuses, PAGE_SIZE)

    def mastodon_media(self, server):
        rng = self.rng
        media_id = str(rng.randrange(10**17, 10**18))
        path = f"https://{server}/system/media_attachments/files/{media_id}"
        return {
            "id": media_id,
            "type": "image",
            "url": f"{path}/original/photo.jpg",
            "preview_url": f"{path}/small/photo.jpg",
            "remote_url": None,
            "description": rng.choice(ALT_TEXTS) if rng.random() < 0.6 else None,
            "blurhash": "UBL_:rOpGG-;~qRjWBay?bM{jYWB00ay-;j[",
            "meta": {
                "original": {"width": 1200, "height": 900, "size": "1200x900", "aspect": 1.33},
                "small": {"width": 480, "height": 360, "size": "480x360", "aspect": 1.33},
            },
        }

    # Reddit: listings of submissions (t3) and comments (t1)

    def reddit_pages(self):
        rng = self.rng
        submissions, comments = [], []
        for number in range(REDDIT_POSTS):
            author = rng.choice(REDDIT_PEOPLE)
            created = self.moment()
            subreddit = rng.choice(SUBREDDITS)
            item_id = "1d" + _base36(number * 7919 + 46_000)
            if submissions and rng.random() < 0.4:
                parent = rng.choice(submissions)["data"]
                body = rng.choice(REPLIES)
                if rng.random() < 0.2:
                    body += f" u/{parent['author']} did you find the respite fund?"
                comments.append(
                    {
                        "kind": "t1",
                        "data": {
                            "id": item_id,
                            "name": f"t1_{item_id}",
                            "author": author,
                            "author_fullname": f"t2_{_base36(REDDIT_PEOPLE.index(author) + 9000)}",
                            "body": body,
                            "body_html": f'&lt;div class="md"&gt;&lt;p&gt;{body}&lt;/p&gt;&lt;/div&gt;',
                            "parent_id": parent["name"],
                            "link_id": parent["name"],
                            "subreddit": parent["subreddit"],
                            "subreddit_id": parent["subreddit_id"],
                            "created_utc": max(created.timestamp(), parent["created_utc"] + 60),
                            "permalink": f"{parent['permalink']}{item_id}/",
                            "score": rng.randrange(1, 40),
                            "ups": 0,
                            "downs": 0,
                            "replies": "",
                            "edited": False,
                            "distinguished": None,
                        },
                    }
                )
                continue
            title = rng.choice(OPENERS).format(n=rng.randrange(2, 900)).rstrip(":.")
            selftext = rng.choice(MIDDLES).capitalize() + " " + rng.choice(CLOSERS)
            data = {
                "id": item_id,
                "name": f"t3_{item_id}",
                "author": author,
                "author_fullname": f"t2_{_base36(REDDIT_PEOPLE.index(author) + 9000)}",
                "title": title,
                "selftext": selftext.strip(),
                "subreddit": subreddit,
                "subreddit_id": f"t5_{_base36(SUBREDDITS.index(subreddit) + 77_000)}",
                "subreddit_name_prefixed": f"r/{subreddit}",
                "created_utc": created.timestamp(),
                "permalink": f"/r/{subreddit}/comments/{item_id}/demo_post/",
                "url": f"https://www.reddit.com/r/{subreddit}/comments/{item_id}/demo_post/",
                "domain": f"self.{subreddit}",
                "is_self": True,
                "is_video": False,
                "over_18": False,
                "score": rng.randrange(1, 300),
                "ups": 0,
                "downs": 0,
                "upvote_ratio": round(rng.uniform(0.8, 1.0), 2),
                "num_comments": rng.randrange(0, 30),
                "num_crossposts": 0,
                "link_flair_text": rng.choice(("Support", "Advice", "Vent", None)),
                "edited": False,
                "stickied": False,
                "distinguished": None,
            }
            if rng.random() < 0.25:
                link = rng.choice(LINKS)
                data.update(is_self=False, selftext="", url=link, domain=link.split("/")[2])
            submissions.append({"kind": "t3", "data": data})
        for things in (submissions, comments):
            things.sort(key=lambda thing: thing["data"]["created_utc"], reverse=True)
            for page in _chunks(things, PAGE_SIZE):
                yield {
                    "kind": "Listing",
                    "data": {
                        "after": page[-1]["data"]["name"],
                        "dist": len(page),
                        "modhash": "",
                        "geo_filter": "",
                        "children": page,
                        "before": None,
                    },
                }


def _ref(view):
    return {"uri": view["uri"], "cid": view["cid"]}


def _iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _base36(number):
    digits = string.digits + string.ascii_lowercase
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def _mastodon_html(sentence, mentions, tags, server):
    parts = [sentence]
    for mention in mentions:
        parts.append(
            f'<span class="h-card" translate="no"><a href="{mention["url"]}" '
            f'class="u-url mention">@<span>{mention["username"]}</span></a></span>'
        )
    for tag in tags:
        parts.append(
            f'<a href="https://{server}/tags/{tag}" class="mention hashtag" rel="tag">'
            f"#<span>{tag}</span></a>"
        )
    return "<p>" + " ".join(parts) + "</p>"
