from datetime import UTC, datetime, timedelta

import pytest

from socialgood.coding import codebook
from socialgood.collect.models import Post, PostHashtag, PostMedia

TEXTS = [
    "Caring for mum all week, no respite in sight 😩 #carers",
    "The support group saved me tonight 👩🏽‍⚕️ thank you #carers",
    "Money is tight again, the allowance does not cover the bills",
    "Grateful for the nurse who listened 🇳🇿 #nhs",
    "No break for 3 months. Exhausted. #carers #respite",
    "Does anyone know how to apply for the carers allowance?",
]


def make_post(project, n, text, platform="mastodon", tags=(), month=1, reply_to=None):
    post = Post.objects.create(
        project=project,
        platform=platform,
        platform_id=f"https://social.example.org/@p/{n}",
        author=f"person-{n % 3}",
        created_at=datetime(2026, month, 1, 9, 0, tzinfo=UTC) + timedelta(days=n % 27, minutes=n),
        text=text,
        lang="en",
        reply_to=reply_to,
    )
    for tag in tags:
        PostHashtag.objects.create(project=project, post=post, tag=tag)
    return post


@pytest.fixture
def posts(world):
    made = []
    for n, text in enumerate(TEXTS):
        tags = [t.lstrip("#") for t in text.split() if t.startswith("#")]
        made.append(
            make_post(
                world.project,
                n,
                text,
                platform="bluesky" if n % 2 else "mastodon",
                tags=tags,
                month=1 + n % 2,
            )
        )
    PostMedia.objects.create(
        project=world.project, post=made[1], type="image", alt_text="A group of people in a circle"
    )
    return made


@pytest.fixture
def codes(world):
    p, by = world.project, world.owner
    return {
        "burden": codebook.add_code(
            p,
            by=by,
            name="Burden",
            definition="Strain of caring",
            inclusion="Tiredness, no breaks",
            colour="#aa3300",
        ),
        "support": codebook.add_code(p, by=by, name="Support", definition="Help received"),
        "money": codebook.add_code(p, by=by, name="Money", definition="Financial worries"),
    }
