"""X/Twitter archives ("Download an archive of your data"): the account's own tweets (§9.4).

Records are the `{"tweet": {...}}` items of `data/tweets.js` (older archives: `tweet.js`,
whose items may be the bare tweets; large ones go on in `tweets-part1.js` …). Read
from the archive's zip, files.py reads only those and `data/account.js`, and adds the
account to each item as `owner`
({accountId, username, accountDisplayName}): the tweets carry no author, the owner
wrote them all. A `tweets.js` on its own has no owner: its tweets are imported with
no author and a warning says so; an `account.js` on its own is skipped with a note.

The tweets are v1.1-shaped (counts and sizes as strings) and mapped as v1.1. A retweet
is only "RT @name: …" text, often cut short, with no original: it becomes a `repost`
whose original is unknown. Tweets the owner deleted (`deleted-tweets.js`, marked
`deleted_at`) are never imported.
"""

import msgspec

from socialgood.platforms import twitter_v1
from socialgood.platforms.normalise import SHAPE_ERRORS

NAME = "x-archive"
LABEL = "X/Twitter archive (its zip, or data/tweets.js)"
PLATFORM_NAME = "X archive"
PLATFORM = "x"
# 2: the post's own link names no one (x.com/i/web/status/<id>)
# 3: an edited tweet is one post, under its first version's id
MAPPER_VERSION = 3

ACCOUNT_ALONE = (
    "X archive: account.js holds who wrote the tweets, not tweets (import the whole archive zip)"
)
NO_OWNER = (
    "X archive: the tweets came without the archive's account.js, so their author is "
    "unknown (import the whole archive zip to keep who wrote them)"
)


def sniff(record):
    if not isinstance(record, dict):
        return False
    account = record.get("account")
    if isinstance(account, dict):  # account.js on its own: recognised, to say what to do
        return "accountId" in account
    tweet = _tweet(record)
    return tweet is not None and "full_text" in tweet


def parse(record, report, line=None):
    if isinstance(record, dict) and isinstance(record.get("account"), dict):
        report.skip(ACCOUNT_ALONE, line)
        return
    tweet = _tweet(record)
    if tweet is None:
        report.skip("X archive: not a tweet of the archive", line)
        return
    if "deleted_at" in tweet:
        report.skip("X archive: deleted by its author (not imported)", line)
        return
    owner = record.get("owner")
    if not isinstance(owner, dict):
        report.warn(NO_OWNER)
        owner = {}
    user = {
        "id_str": owner.get("accountId"),
        "screen_name": owner.get("username"),
        "name": owner.get("accountDisplayName"),
    }
    try:
        with_author = {**tweet, "user": user}
        post = twitter_v1.post_from_tweet(with_author, with_author)
    except SHAPE_ERRORS as error:
        report.skip(f"X archive: malformed tweet ({type(error).__name__})", line)
        return
    if post is None:
        report.skip("X archive: tweet without a usable date", line)
        return
    if post.kind == "post" and post.text.startswith("RT @"):
        post = msgspec.structs.replace(post, kind="repost")
    yield post


def _tweet(record):
    """The tweet of an item: `{"tweet": {...}}`, or in archives from before 2020 the
    tweet itself (then without `user`, which would make it an API v1.1 tweet)."""
    if not isinstance(record, dict):
        return None
    tweet = record.get("tweet", record)
    if isinstance(tweet, dict) and "id_str" in tweet and "user" not in tweet:
        return tweet
    return None
