"""Telegram Desktop chat exports."""

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from socialgood.platforms import telegram
from socialgood.platforms.files import read_posts
from socialgood.platforms.report import Report
from socialgood.privacy.pseudonyms import Pseudonymiser

EXPORT = Path(__file__).parents[1] / "fixtures/telegram/result.json"


def read(**limits):
    report = Report()
    posts = list(read_posts(EXPORT, report, telegram, **limits))
    return {post.platform_id: post for post in posts}, posts, report


def test_known_counts():
    by_id, posts, report = read()
    assert list(by_id) == ["1234567890/2", "1234567890/3", "1234567890/4", "1234567890/6"]
    assert report.skipped == {
        "Telegram: notice, not a post (someone joined, a message was pinned…)": 2
    }
    assert report.warnings == {"Telegram: forwarded messages (origin kept in raw only)": 1}
    assert sum(len(post.hashtags) for post in posts) == 3
    assert sum(len(post.mentions) for post in posts) == 2
    assert sum(len(post.media) for post in posts) == 3
    # A private group's name may name its people: it is known by its number.
    assert all(post.community == "private group 1234567890" for post in posts)


def test_text_entities_give_text_tags_mentions_and_links():
    by_id, _, _ = read()
    welcome = by_id["1234567890/2"]
    assert welcome.text == "Welcome #PeerSupport and @bo_example see our guide"
    assert welcome.hashtags == ("peersupport",)
    assert welcome.mentions[0].handle == "bo_example"
    assert [link.url for link in welcome.links] == ["https://example.org/guide"]
    assert (welcome.author.id, welcome.author.display_name) == ("user111", "Ana")
    thanks = by_id["1234567890/3"]
    assert thanks.mentions[0].id == "user333"  # mention_name carries the user id
    # The name as shown would stay in the text: the person's id stands in its place,
    # and becomes the same pseudonym as the mention.
    assert thanks.text.startswith("Thanks tg-user:333 ")
    stored = Pseudonymiser(b"project key of the telegram test").apply(thanks)
    assert stored.text.startswith(f"Thanks {stored.mentions[0].id} ")
    assert [link.url for link in thanks.links] == ["https://example.net"]


def test_date_unixtime_is_used_not_the_local_date():
    by_id, _, _ = read()
    # `date` says 11:00 local time; the epoch seconds say 11:00 UTC on this export
    assert by_id["1234567890/2"].created_at == datetime(2024, 1, 5, 11, tzinfo=UTC)


def test_replies_and_media():
    by_id, _, _ = read()
    reply = by_id["1234567890/3"]
    assert (reply.kind, reply.reply_to) == ("reply", "1234567890/2")
    (photo,) = reply.media
    assert (photo.type, photo.url, photo.width) == (
        "image",
        "photos/photo_1@05-01-2024_11-05-00.jpg",
        1280,
    )
    (video,) = by_id["1234567890/4"].media
    assert (video.type, video.url) == ("video", None)  # file left out of the export
    (voice,) = by_id["1234567890/6"].media
    assert voice.type == "audio"


def test_a_large_export_streamed_message_by_message_gives_the_same_posts():
    whole, _, _ = read()
    streamed, _, report = read(whole_document_bytes=200)
    assert streamed == whole
    assert report.records == 6


@pytest.mark.parametrize("whole_document_bytes", [200, 10**6])
def test_a_skipped_message_is_named_by_its_place_whether_read_whole_or_streamed(
    tmp_path, whole_document_bytes
):
    # Read whole, every message's skip once said "line 1" (the document's); streamed, its
    # number as if it were a line. An export is indented, a message over many lines.
    export = json.loads(EXPORT.read_text())
    export["messages"][2]["date_unixtime"] = export["messages"][2]["date"] = "someday"
    export["messages"][4] = "not a message"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export, indent=1))
    report = Report()
    list(read_posts(path, report, telegram, whole_document_bytes=whole_document_bytes))
    assert report.skipped_lines == {
        "Telegram: message without a usable date": ["item 3"],
        "Telegram: message is not a JSON object": ["item 5"],
    }


@pytest.mark.parametrize("whole_document_bytes", [200, 10**6])
def test_a_skipped_message_of_an_export_in_an_archive_is_named_by_its_place_and_file(
    tmp_path, whole_document_bytes
):
    export = json.loads(EXPORT.read_text())
    export["messages"][2]["date_unixtime"] = export["messages"][2]["date"] = "someday"
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as packed:
        packed.writestr("ChatExport/result.json", json.dumps(export, indent=1))
    report = Report()
    list(read_posts(path, report, telegram, whole_document_bytes=whole_document_bytes))
    assert report.skipped_lines == {
        "Telegram: message without a usable date": ["ChatExport/result.json:item 3"]
    }


def test_a_one_to_one_chat_marks_its_id_as_a_person_and_drops_their_name(tmp_path):
    export = tmp_path / "result.json"
    export.write_text(
        '{"name": "Bo Example", "type": "personal_chat", "id": 555000111, "messages": ['
        '{"id": 6, "type": "message", "date": "2024-02-01T10:00:00", "date_unixtime": "1706781600",'
        ' "from": "Bo Example", "from_id": "user555000111", "text": "hi", "text_entities":'
        ' [{"type": "plain", "text": "hi"}]},'
        '{"id": 7, "type": "message", "date": "2024-02-01T10:05:00", "date_unixtime": "1706781900",'
        ' "from": "Ana", "from_id": "user111", "reply_to_message_id": 6, "text": "hello",'
        ' "text_entities": [{"type": "plain", "text": "hello"}]}]}'
    )
    posts = list(read_posts(export, Report(), telegram))
    assert [post.platform_id for post in posts] == [
        "tg-user:555000111/6/1706781600",
        "tg-user:555000111/7/1706781900",
    ]
    assert posts[1].reply_to == "tg-user:555000111/6/1706781600"
    assert {post.community for post in posts} == {None}  # "Bo Example" is not kept


def helpline_chat(messages):
    """A donor's export of their chat with a helpline account (the same for every donor)."""
    return {
        "name": "Example Helpline", "type": "personal_chat", "id": 700700700,
        "messages": [
            {"id": number, "type": "message", "date_unixtime": str(seconds),
             "from": "Donor", "from_id": "user111", "text": f"message {number}",
             **({"reply_to_message_id": parent} if parent else {})}
            for number, seconds, parent in messages
        ],
    }  # fmt: skip


def test_chats_numbered_per_account_keep_two_donors_messages_of_one_number_apart(tmp_path):
    # One-to-one chats count messages per account: both donors have a message 41, and a
    # reply to it, and they are four different messages.
    first = helpline_chat([(41, 1706781600, None), (42, 1706781700, 41)])
    second = helpline_chat([(41, 1709000000, None), (42, 1709000100, 41)])
    keys, replies = [], []
    for number, export in enumerate((first, second)):
        path = tmp_path / f"donor{number}.json"
        path.write_text(json.dumps(export))
        for streamed in ({}, {"whole_document_bytes": 100}):
            posts = list(read_posts(path, Report(), telegram, **streamed))
            keys.append([post.platform_id for post in posts])
            replies.append(posts[1].reply_to)
    assert keys[0] == keys[1] and keys[2] == keys[3]  # streamed or whole, the same
    assert len(set(keys[0] + keys[2])) == 4
    assert replies == [keys[0][0], keys[0][0], keys[2][0], keys[2][0]]


def test_a_reply_whose_parent_cant_be_named_is_kept_unlinked():
    export = helpline_chat([(41, 1706781600, None), (43, 1706781700, 40)])
    export["messages"].append(
        {**export["messages"][0], "id": 44, "reply_to_message_id": 12, "reply_to_peer_id": "chat99"}
    )
    report = Report()
    posts = list(telegram.parse(export, report))
    assert [(post.kind, post.reply_to) for post in posts] == [
        ("post", None), ("reply", None), ("reply", None)
    ]  # fmt: skip
    assert report.warnings == {telegram.PARENT_UNKNOWN: 2}


def test_a_reply_to_a_message_of_another_chat_points_to_that_chat():
    message = {"type": "message", "date_unixtime": "1706781600", "text": "see above",
               "from": "Carers Group", "from_id": "channel1500000001"}  # fmt: skip
    export = {
        "name": "Carers Group",
        "type": "public_channel",
        "id": 1500000001,
        "messages": [
            {**message, "id": 10, "reply_to_message_id": 77,
             "reply_to_peer_id": "channel1500000002"},
            {**message, "id": 11, "reply_to_message_id": 5, "reply_to_peer_id": "user4242"},
            {**message, "id": 13, "reply_to_message_id": 6, "reply_to_peer_id": "chat4243"},
            {**message, "id": 12, "reply_to_message_id": 10},
        ],
    }  # fmt: skip
    posts = list(telegram.parse(export, Report()))
    assert [post.reply_to for post in posts] == [
        "1500000002/77",  # message 77 of the other channel, not of this one
        # One-to-one chats and basic groups number messages per account: which account's
        # message 5 it is, is unknown
        None,
        None,
        "1500000001/10",
    ]


def test_a_sent_documents_own_name_and_an_odd_message_type_are_not_kept():
    export = {
        "name": "Carers Group", "type": "public_channel", "id": 1500000001,
        "messages": [
            {"id": 1, "type": "message", "date_unixtime": "1706781600", "text": "my CV",
             "from": "Carers Group", "from_id": "channel1500000001",
             "file": "files/Perpetua_Gloam_CV.pdf", "mime_type": "application/pdf"},
            {"id": 2, "type": "Perpetua Gloam @pgloam_tg", "date_unixtime": "1706781600"},
        ],
    }  # fmt: skip
    report = Report()
    [post] = telegram.parse(export, report)
    assert (post.media[0].type, post.media[0].url) == ("other", None)
    assert "Perpetua" not in json.dumps(report.as_dict())


def test_a_sent_videos_and_audio_files_own_names_are_not_kept_telegrams_are():
    # Telegram Desktop keeps a video's or audio file's own name when it has one
    # (video_files/<its name>), as a document's; its own names it writes with the number
    # and time of the file ("video_3@01-02-2024_10-00-00.mp4").
    message = {
        "type": "message",
        "date_unixtime": "1706781600",
        "text": "look",
        "from": "Carers Group",
        "from_id": "channel1500000001",
    }
    sent = [
        {"file": "video_files/Perpetua Gloam birthday.mp4", "media_type": "video_file",
         "thumbnail": "video_files/Perpetua Gloam birthday.mp4_thumb.jpg"},
        {"file": "audio_files/Perpetua_Gloam - lullaby.mp3", "media_type": "audio_file"},
        {"file": "video_files/video_3@01-02-2024_10-00-00.mp4", "media_type": "video_file",
         "thumbnail": "video_files/video_3@01-02-2024_10-00-00.mp4_thumb.jpg"},
        {"file": "voice_messages/audio_1.ogg", "media_type": "voice_message"},
        {"file": "stickers/sticker (2).webp", "media_type": "sticker"},
    ]  # fmt: skip
    export = {
        "name": "Carers Group", "type": "public_channel", "id": 1500000001,
        "messages": [{**message, "id": n, **media} for n, media in enumerate(sent, 1)],
    }  # fmt: skip
    posts = list(telegram.parse(export, Report()))
    assert [(post.media[0].url, post.media[0].preview_url) for post in posts] == [
        (None, None),
        (None, None),
        (
            "video_files/video_3@01-02-2024_10-00-00.mp4",
            "video_files/video_3@01-02-2024_10-00-00.mp4_thumb.jpg",
        ),
        ("voice_messages/audio_1.ogg", None),
        ("stickers/sticker (2).webp", None),
    ]


@pytest.mark.parametrize("streamed", [{}, {"whole_document_bytes": 100}])
@pytest.mark.parametrize("first_messages", [1, 2])
def test_a_reply_never_links_to_another_donors_message_of_its_number(
    tmp_path, streamed, first_messages
):
    # Two donors' exports of one helpline chat in one archive; the second export starts
    # after its message 41, which the reply answers.
    first = helpline_chat([(41, 1706781600, None), (42, 1706781700, None)][:first_messages])
    second = helpline_chat([(42, 1709000100, 41), (43, 1709000200, 42)])
    archive = tmp_path / "donations.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a/result.json", json.dumps(first, indent=1))
        zipped.writestr("b/result.json", json.dumps(second, indent=1))
    posts = list(read_posts(archive, Report(), telegram, **streamed))
    replies = [post.reply_to for post in posts[first_messages:]]
    assert replies == [None, posts[first_messages].platform_id]


def test_a_reply_finds_its_parent_whether_ids_are_written_as_numbers_or_text():
    export = helpline_chat([(41, 1706781600, None), (42, 1706781700, 41)])
    export["messages"][0]["id"] = "41"
    [parent, reply] = telegram.parse(export, Report())
    assert reply.reply_to == parent.platform_id == "tg-user:700700700/41/1706781600"


def test_a_chat_without_a_chat_number_is_skipped_plainly():
    export = {**helpline_chat([(41, 1706781600, None)]), "id": "700/700"}
    report = Report()
    assert list(telegram.parse(export, report)) == []
    assert report.skipped == {"Telegram: chat export without a chat number": 1}


def test_a_message_without_a_message_number_is_skipped_plainly():
    export = helpline_chat([(41, 1706781600, None), (42, 1706781700, None)])
    export["messages"][1]["id"] = "42\u0000" + "x" * 600
    report = Report()
    assert [post.platform_id for post in telegram.parse(export, report)] == [
        "tg-user:700700700/41/1706781600"
    ]
    assert report.skipped == {"Telegram: message without a message number": 1}


def test_a_sender_written_as_a_bare_number_is_the_same_person_as_in_mentions():
    export = json.loads(EXPORT.read_text())
    messages = [m for m in export["messages"] if m["type"] == "message"][:3]
    messages[0]["from_id"] = 9900001
    messages[1]["from_id"] = "9900001"
    messages[2]["from_id"] = "user9900001"
    posts = list(telegram.parse({**export, "messages": messages}, Report()))
    assert [post.author.id for post in posts] == ["user9900001"] * 3


@pytest.mark.parametrize(
    "kind, community",
    [
        ("private_group", "private group 1234567890"),
        ("private_channel", "private channel 1234567890"),
        ("public_supergroup", "Example support group"),
        ("public_channel", "Example support group"),
    ],
)
def test_only_public_chats_are_known_by_their_name(kind, community):
    export = {**json.loads(EXPORT.read_text()), "type": kind}
    assert {post.community for post in telegram.parse(export, Report())} == {community}
