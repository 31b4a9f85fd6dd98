"""Final keys for Telegram messages of chats that number them per account.

    posts = telegram_keys.settle(project, posts)   # a batch of the Telegram parser's posts

platforms.telegram can't know them: whether a message keeps the short key depends on
what the project has stored. Called by the importer in the transaction that stores the
batch (collect.imports), so what it looks up can't change meanwhile.
"""

from datetime import UTC

import msgspec
import orjson
from django.db import connection

LOCAL_TIME_HOURS = 14  # the farthest any time zone is from UTC


def settle(project, posts):
    """The batch, with the keys of Telegram messages numbered per account made final.

    platforms.telegram writes them "<chat>/<message id>/<epoch seconds>" (and a reply's
    parent so too): two donors' exports of their chats with one helpline hold different
    messages of the same number. A message keeps the shorter "<chat>/<message id>", as
    stored before mapper version 2, unless another message of that number has it, or
    it was stored under its longer key before (while another held the shorter); a reply
    names its parent by whichever key the parent got. So keys grow only where numbers
    meet, and what was stored before keeps joining.
    """
    from socialgood.collect.models import Withdrawn

    timed = {}  # long key -> (shorter key, epoch seconds)
    for post in posts:
        for key in (post.platform_id, post.reply_to):
            if key not in timed and (parts := _timed(key)):
                timed[key] = parts
    if not timed:
        return posts
    wanted = list({*timed, *(shorter for shorter, _ in timed.values())})
    # SQL, not the ORM: preparing 40,000 values for an IN (…) took longer than the
    # lookups, and the posts' default order made SQLite read them all by time instead.
    if connection.vendor == "postgresql":
        one_of, values = "= ANY(%s)", list
    else:
        one_of, values = (
            "IN (SELECT value FROM json_each(%s))",
            lambda keys: orjson.dumps(keys).decode(),
        )
    stored = {}  # key -> (epoch seconds, text) of the message stored under it
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT platform_id, created_at, text FROM collect_post WHERE project_id = %s"  # noqa: S608 - constants
            f" AND platform = 'telegram' AND platform_id {one_of}",
            [project.pk, values(wanted)],
        )
        for key, created_at, text in cursor.fetchall():
            # As the parser counts: the databases round fractions of a second otherwise.
            if created_at.tzinfo is None:  # SQLite's naive UTC
                created_at = created_at.replace(tzinfo=UTC)
            stored[key] = (int(created_at.timestamp()), text)
        # A shorter key that stored replies name, with no message under it (deleted at
        # its author's request, say), is taken: another message of that number is not
        # theirs. Found by the thread index (project, reply_to).
        free = [shorter for shorter, _ in timed.values() if shorter not in stored]
        cursor.execute(
            f"SELECT platform, reply_to FROM collect_post WHERE project_id = %s"  # noqa: S608 - constants
            f" AND reply_to {one_of}",
            [project.pk, values(free)],
        )
        for platform, parent in cursor.fetchall():
            if platform == "telegram":
                stored[parent] = (None, None)
    # Posts kept out by their author's withdrawal claim nothing.
    withdrawn = set(
        Withdrawn.objects.filter(
            project=project, platform="telegram", kind=Withdrawn.Kind.AUTHOR
        ).values_list("value", flat=True)
    )
    final = {}  # long key -> the key its message got in this batch
    result = []
    for post in posts:
        changes = {}
        long_key = post.platform_id
        if long_key in timed and long_key not in stored and post.author.id not in withdrawn:
            shorter, seconds = timed[long_key]
            text = (post.text or "").replace("\x00", "")  # as stored
            if _same_message(stored.setdefault(shorter, (seconds, text)), seconds, text):
                changes["platform_id"] = shorter
            final.setdefault(long_key, changes.get("platform_id", long_key))
        parent = post.reply_to
        if parent in timed:
            shorter, seconds = timed[parent]
            if parent in final:
                changes["reply_to"] = final[parent]
            elif parent not in stored and _same_time(stored.get(shorter, (seconds,))[0], seconds):
                changes["reply_to"] = shorter
        result.append(msgspec.structs.replace(post, **changes) if changes else post)
    return result


def _timed(key):
    """(shorter key, epoch seconds) of a key platforms.telegram gave a time, else None."""
    if key and key.count("/") == 2:
        shorter, _, seconds = key.rpartition("/")
        if seconds.isdigit():
            return shorter, int(seconds)
    return None


def _same_time(held_seconds, seconds):
    # Exports from before 2021 have only the computer's local time, read as UTC: a message
    # stored from one is off by whole quarter hours, up to 14 hours.
    if held_seconds is None:  # nobody known
        return False
    difference = abs(held_seconds - seconds)
    return difference <= LOCAL_TIME_HOURS * 3600 and difference % 900 == 0


def _same_message(held, seconds, text):
    held_seconds, held_text = held
    return _same_time(held_seconds, seconds) and (held_seconds == seconds or held_text == text)
