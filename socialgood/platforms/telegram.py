"""Telegram Desktop "Export chat history" JSON (`result.json`, platforms.md §7).

A chat export is `{name, type, id, messages: [...]}`. Large exports are streamed by
`files.py`, which hands over the same shape with one message at a time
(STREAM_KEYS). Each `message` becomes a Post with `platform_id` "<chat id>/<message id>";
service messages are counted, not stored.

Channels and supergroups number their messages per chat, but one-to-one chats, bot chats
and basic groups ("private_group") share one count per account: two people's exports of
their chats with the same helpline or bot both hold a message 1234, and they are different
messages. Their keys add the message's time, "<chat id>/<message id>/<epoch seconds>"; a
reply finds its parent's time among the messages of its own export read before it. The
importer keeps the shorter key for the first message of a number it stores
(collect.telegram_keys), as mapper version 1 stored every message.

In a one-to-one chat the chat id is the other person's user id and the chat name is
their name: the id is written "tg-user:<id>" so the pseudonymiser replaces it (with
the same pseudonym their own messages get), and the name is not kept. A private group's
or channel's name may name its people too ("Jo's recovery circle"): its `community` is
"private group <its number>" ("private channel …"), which tells chats apart and names
no one.

`date` is local time without a zone, so `date_unixtime` is used. Hashtags, mentions
and links come from `text_entities`. Forwards keep their origin (`forwarded_from`, a
name) in `raw` only. Exports have no view counts and no alt texts.
"""

import re
import weakref

from socialgood.platforms.model import Media, Person, Post
from socialgood.platforms.normalise import (
    SHAPE_ERRORS,
    from_epoch,
    hashtag,
    link,
    parse_iso,
    unique,
)
from socialgood.platforms.report import item_place, placed

NAME = "telegram"
LABEL = "Telegram Desktop chat export (result.json)"
PLATFORM_NAME = "Telegram"
PLATFORM = "telegram"
# 2: per-account message numbers keep two donors apart
# 3: a private group is known by its number, not its name; bare-number senders
# 4: a sent video's or audio file's own name is not kept
MAPPER_VERSION = 4
STREAM_KEYS = ("messages",)
# Chat types whose id is a person's user id (Telegram Desktop's export names).
PERSON_CHATS = {"personal_chat", "bot_chat", "saved_messages"}
# Chats whose name may name their people: known by their number instead.
PRIVATE_CHATS = {
    "private_group": "private group", "private_supergroup": "private group",
    "private_channel": "private channel",
}  # fmt: skip
# Chat types whose message ids are counted per account, not per chat.
ACCOUNT_NUMBERED_CHATS = PERSON_CHATS | {"private_group", "replies"}
NOT_POSTS = {
    "service": "notice, not a post (someone joined, a message was pinned…)",
    "unsupported": "message of a kind Telegram Desktop could not export",
}
_PEER = re.compile(r"(user|chat|channel)?([0-9]+)")
# The time of each message read so far in account-numbered chats, per file being read
# (its report) and chat: a reply names its parent by id only. A large export is streamed
# a message per parse() call, so this outlives the call, and goes with the report.
_TIMES_READ = weakref.WeakKeyDictionary()

PARENT_UNKNOWN = (
    "Telegram: replies kept without a link to the message they answer (in one-to-one"
    " chats and small groups it is found only when it is in the same export)"
)

_NOT_INCLUDED = "(File not included."  # media left out of the export
# Folders of an export whose files Telegram names itself (they have no names of their own)
_NAMED_BY_TELEGRAM = frozenset({"photos", "voice_messages", "round_video_messages", "stickers"})
# Telegram's name for a file without one of its own (and its thumbnail's): its kind, its
# number and its time, "video_3@01-02-2024_10-00-00.mp4".
_TELEGRAMS_FILE_NAME = re.compile(
    r"[a-z]+_[0-9]+@[0-9]{2}-[0-9]{2}-[0-9]{4}_[0-9]{2}-[0-9]{2}-[0-9]{2}\.\w+(?:_thumb\.jpg)?"
)
_MEDIA_TYPES = {
    "video_file": "video",
    "video_message": "video",
    "animation": "gif",
    "voice_message": "audio",
    "audio_file": "audio",
    "sticker": "image",
}


def sniff(record):
    return (
        isinstance(record, dict)
        and isinstance(record.get("messages"), list)
        and "id" in record
        and "type" in record
    )


def parse(record, report, line=None):
    if not sniff(record):
        if isinstance(record, dict) and "chats" in record and "personal_information" in record:
            report.skip("Telegram: full-account export (export single chats instead)", line)
        else:
            report.skip("Telegram: not a Telegram chat export", line)
        return
    chat_id = record["id"]
    if isinstance(chat_id, bool) or not str(chat_id).removeprefix("-").isdigit():
        # Telegram numbers every chat; anything else would make keys of another shape.
        report.skip("Telegram: chat export without a chat number", line)
        return
    chat_name = record.get("name")
    if record.get("type") in PERSON_CHATS:
        chat_id, chat_name = f"tg-user:{chat_id}", None
    elif record.get("type") in PRIVATE_CHATS:
        chat_name = f"{PRIVATE_CHATS[record['type']]} {str(chat_id).removeprefix('-')}"
    messages = record["messages"]
    times = None
    if record.get("type") in ACCOUNT_NUMBERED_CHATS:
        chats = _TIMES_READ.setdefault(report, {})
        if len(messages) != 1 or chat_id not in chats or _first_of_document(line):
            # Another donor's export of the same chat, in the same archive, numbers its
            # messages its own way.
            chats[chat_id] = {}
        times = chats[chat_id]
    # A chat's records are its messages, whether the export is read whole or streamed
    # (then each record holds one, placed as "item 37" by files.py, as item_place places
    # the messages of one read whole).
    report.records += len(messages) - 1
    for place, message in placed(messages):
        if not isinstance(message, dict):
            report.skip("Telegram: message is not a JSON object", item_place(line, place))
            continue
        kind = message.get("type")
        if kind != "message":
            # Never the type itself: it is the file's to say, and could be anything.
            report.skip(f"Telegram: {NOT_POSTS.get(kind, 'message of another kind, not a post')}")
            continue
        number = message.get("id")
        if isinstance(number, bool) or not str(number).isdigit():
            report.skip("Telegram: message without a message number", item_place(line, place))
            continue
        try:
            post = _post(message, chat_id, chat_name, times, report)
        except SHAPE_ERRORS as error:
            reason = f"Telegram: malformed message ({type(error).__name__})"
            report.skip(reason, item_place(line, place))
            continue
        if post is None:
            report.skip("Telegram: message without a usable date", item_place(line, place))
            continue
        yield post


def _first_of_document(line):
    """Whether a record is a document's first: one read whole ("", "<member>:" in an
    archive), a streamed one's first message ("item 1"), a file's first line."""
    return line is None or str(line).rpartition(":")[2] in ("", "item 1", "1")


def _peer_chat(peer):
    """The chat id a message of another chat ("channel1500000002") is exported under,
    or None when that chat numbers its messages per account (a person's "user123", a basic
    group's "chat456"): which account's count the id is in is unknown."""
    match = _PEER.fullmatch(str(peer))
    if match is None or match[1] in ("user", "chat"):
        return None
    return match[2]


def _post(message, chat_id, chat_name, times, report):
    created = from_epoch(message.get("date_unixtime"))
    if created is None:
        created = parse_iso(message.get("date"), report)  # local time; counted as zone-less
    if created is None:
        return None
    text, tags, mentions, links = _text(message)
    key = f"{chat_id}/{message['id']}"
    if times is not None:
        seconds = int(created.timestamp())
        times[str(message["id"])] = seconds  # as the key writes it: "41" and 41 are one
        key = f"{key}/{seconds}"
    reply_id = message.get("reply_to_message_id")
    reply_to = None
    if reply_id is not None:
        if message.get("reply_to_peer_id") is not None:  # a message of another chat
            reply_chat = _peer_chat(message["reply_to_peer_id"])
            reply_to = None if reply_chat is None else f"{reply_chat}/{reply_id}"
        elif times is None:
            reply_to = f"{chat_id}/{reply_id}"
        elif str(reply_id) in times:
            reply_to = f"{chat_id}/{reply_id}/{times[str(reply_id)]}"
        if reply_to is None:
            report.warn(PARENT_UNKNOWN)
    if message.get("forwarded_from") is not None:
        report.warn("Telegram: forwarded messages (origin kept in raw only)")
    return Post(
        platform="telegram",
        platform_id=key,
        created_at=created,
        author=Person(id=_sender(message.get("from_id")), display_name=message.get("from") or None),
        text=text,
        kind="reply" if reply_id is not None else "post",
        reply_to=reply_to,
        hashtags=unique(hashtag(tag) for tag in tags),
        mentions=tuple(mentions),
        links=unique(link(url) for url in links),
        media=_media(message),
        community=chat_name,
        raw=message,
    )


def _sender(from_id):
    """`from_id` as exports write it, "user<id>" (or "channel<id>"), also when a tool
    wrote the bare number: one person, one pseudonym, as in their mentions."""
    if isinstance(from_id, int) and not isinstance(from_id, bool):
        return f"user{from_id}"
    if isinstance(from_id, str) and from_id.isdigit():
        return f"user{from_id}"
    return from_id if isinstance(from_id, str) and from_id else None


def _text(message):
    """Plain text, hashtags, mentions and links, from `text_entities` when present."""
    pieces = message.get("text_entities")
    if pieces is None:  # older exports: `text` is a string or a list of strings/pieces
        text = message.get("text") or ""
        pieces = [text] if isinstance(text, str) else text
    parts, tags, mentions, links = [], [], [], []
    for piece in pieces:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        shown = piece.get("text") or ""
        parts.append(shown)
        kind = piece.get("type")
        if kind == "hashtag":
            tags.append(shown.lstrip("#＃"))
        elif kind == "mention":
            mentions.append(Person(handle=shown.lstrip("@")))
        elif kind == "mention_name":
            user_id = piece.get("user_id")
            person_id = None if user_id is None else f"user{user_id}"  # as `from_id` writes it
            mentions.append(Person(id=person_id, display_name=shown or None))
            if user_id is not None:
                # The person's name as shown: in the text it becomes their pseudonym
                # (privacy.pseudonyms replaces "tg-user:<id>").
                parts[-1] = f"tg-user:{user_id}"
        elif kind == "link":  # as typed: may lack the scheme
            links.append(shown if "://" in shown else f"https://{shown}")
        elif kind == "text_link" and piece.get("href"):
            links.append(piece["href"])
    return "".join(parts), [tag for tag in tags if tag], mentions, links


def _media(message):
    if "photo" in message:
        return (
            Media(
                type="image",
                url=media_path(message["photo"]),
                width=message.get("width"),
                height=message.get("height"),
            ),
        )
    if "file" in message or "media_type" in message:
        return (
            Media(
                type=_MEDIA_TYPES.get(message.get("media_type"), "other"),
                url=media_path(message.get("file")),
                preview_url=media_path(message.get("thumbnail")),
                width=message.get("width"),
                height=message.get("height"),
            ),
        )
    return ()


def media_path(path):
    """The file's path inside the export, or None when it was left out, or when it is a
    file sent under its own name, which may name someone: a document's
    ("files/Ana_Example_CV.pdf"), and a video's or an audio file's when it had one
    ("video_files/Ana Example birthday.mp4"). Photos, voice and round video messages and
    stickers are named by Telegram, and so are other files without a name of their own
    ("video_files/video_3@01-02-2024_10-00-00.mp4")."""
    if not isinstance(path, str) or path.startswith(_NOT_INCLUDED):
        return None
    folder, _, name = path.rpartition("/")
    if folder in _NAMED_BY_TELEGRAM or _TELEGRAMS_FILE_NAME.fullmatch(name):
        return path
    return None
