"""How many posts per second the pseudonymiser handles on one core.

Typical posts as they come out of the parsers: one author (of 20,000 people), 0-3
structured mentions, about 200 characters of text with @mentions, now and then a
link, an e-mail address or a phone number; Bluesky posts carry DID-based URIs and a
CDN image. The project's directory already knows 100,000 people, so the bare-handle
check runs on every text. Target: at least 60,000 posts/s.

CPU time of this process is measured, so other load on the machine matters less.

Run by hand:  .venv/bin/python benchmarks/bench_privacy.py [FILE ...]

With files (e.g. made by /work/shared/bench/gen_posts.py), their parsed posts are used
instead of the built-in ones, and the directory starts empty.
"""

import random
import sys
import time
from datetime import UTC, datetime

from socialgood.platforms.files import read_posts
from socialgood.platforms.model import Link, Media, Person, Post
from socialgood.platforms.report import Report
from socialgood.privacy.pseudonyms import Pseudonymiser

POSTS = 200_000
PEOPLE = 20_000
KNOWN_PEOPLE = 100_000
WORDS = (
    "support group tonight was really helpful thanks everyone for sharing your stories "
    "about caring for family members and finding time to rest we meet again next week"
).split()


def synthetic_posts(seed=7):
    rng = random.Random(seed)
    now = datetime(2026, 1, 31, 10, 30, tzinfo=UTC)
    people = [(str(1000 + i), f"carer_{i}") for i in range(PEOPLE)]
    posts = []
    for n in range(POSTS):
        platform = rng.choice(("x", "bluesky", "mastodon"))
        author_id, author_handle = rng.choice(people)
        mentioned = rng.sample(people, rng.randint(0, 3))
        words = rng.choices(WORDS, k=30)
        for _, handle in mentioned:
            words.insert(rng.randrange(len(words)), "@" + handle)
        if n % 10 == 0:
            words.append("https://example.org/resources/respite-care")
        if n % 50 == 0:
            words.append("mail carer@example.org or call 0612 345 678")
        text = " ".join(words)
        links = (Link(url="https://example.org/resources/respite-care", domain="example.org"),)
        if platform == "bluesky":
            did = f"did:plc:{author_id:a>24}"
            author = Person(id=did, handle=f"{author_handle}.bsky.social", display_name="Carer")
            platform_id = f"at://{did}/app.bsky.feed.post/3k{n}"
            url = f"https://bsky.app/profile/{did}/post/3k{n}"
            media = (
                Media(
                    type="image",
                    url=f"https://cdn.bsky.app/img/feed_fullsize/plain/{did}/bafkrei{n}@jpeg",
                    alt_text="A kitchen table with tea",
                ),
            )
            mentions = tuple(Person(id=f"did:plc:{i:a>24}", handle=None) for i, _ in mentioned)
        elif platform == "mastodon":
            author = Person(id=author_id, handle=f"{author_handle}@care.example", display_name="C")
            platform_id = f"https://care.example/users/{author_handle}/statuses/{n}"
            url = f"https://care.example/@{author_handle}/{n}"
            media = ()
            mentions = tuple(Person(id=i, handle=f"{h}@care.example") for i, h in mentioned)
        else:
            author = Person(id=author_id, handle=author_handle, display_name="Carer")
            platform_id = str(1_800_000_000_000_000_000 + n)
            url = f"https://x.com/{author_handle}/status/{platform_id}"
            media = ()
            mentions = tuple(Person(id=i, handle=h) for i, h in mentioned)
        posts.append(
            Post(
                platform=platform,
                platform_id=platform_id,
                created_at=now,
                author=author,
                text=text,
                url=url,
                mentions=mentions,
                links=links if n % 10 == 0 else (),
                media=media,
                raw={"id": n},
            )
        )
    return posts


def main(paths):
    if paths:
        posts = [post for path in paths for post in read_posts(path, Report())]
        directory = {}
    else:
        posts = synthetic_posts()
        directory = {f"x:known_{i}": f"user-{i:016x}" for i in range(KNOWN_PEOPLE)}
    pseudonymiser = Pseudonymiser(b"k" * 32, directory=directory)
    start = time.process_time()
    for post in posts:
        pseudonymiser.apply(post)
    first = time.process_time() - start
    start = time.process_time()
    for post in posts:
        pseudonymiser.apply(post)
    second = time.process_time() - start
    average = sum(len(post.text) for post in posts) / len(posts)
    print(f"{len(posts):,} posts, {average:.0f} characters of text on average")
    print(f"first pass (cold caches): {len(posts) / first:,.0f} posts/s")
    print(f"second pass (warm caches): {len(posts) / second:,.0f} posts/s")
    print(pseudonymiser.stats.as_dict())


if __name__ == "__main__":
    main(sys.argv[1:])
