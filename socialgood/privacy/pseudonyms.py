"""Keyed pseudonyms for everyone a post names, applied before anything is stored.

The importer passes every parsed Post through `Pseudonymiser.apply`, so original ids,
handles and display names never reach the database, the search index, logs or
temporary files. What it does to a post:

- `author` and `mentions` become `Person(id=p, handle=p)` where `p` is the person's
  pseudonym (`user-3f9a2c0d1e2b4a5c`); display names are dropped.
- In `text` and in media alt text: e-mail addresses and phone numbers are scrubbed
  (`scrub.py`); `@name` (also `＠name` and `RT@name`; YouTube's in any script),
  `@user@domain` and Reddit's `u/name` and `/user/name` become `@p` / `u/p` (in a
  Threads text `@name` is the account name@threads.net, dots and all);
  profile links in any form below are rewritten; bare handles (a signature, a
  name in passing) of people the project already knows are replaced; and so are the
  display names of the people the post names in its fields (author, mentions) when
  they can't be an ordinary word (two words or more, or handle-like); a repost's text,
  the original's, also loses the names its original did (parsers yield the original
  first).
- In `platform_id`, `url`, `reply_to`, `quote_of`, `repost_of`, `thread_root`, links
  and media URLs: every DID (`at://did:plc:…/…` → `at://p/…`, Bluesky CDN and video
  URLs) and every profile-shaped URL, whatever the case of its host and also with its
  "@" percent-encoded, `host/%40user` (`<any Bluesky client>/profile/<handle>`,
  `host/@user`, `host/@user@domain`, `host/users/user` (ActivityPub ids such as
  Mastodon's status `uri`), Pixelfed's `host/p/user/<id>`, Lemmy's `host/u/user`,
  `x.com/<name>` and `twitter.com/<name>` and their mirrors (fxtwitter, nitter…),
  `x.com/i/user/<id>`, `?screen_name=`,
  `reddit.com/user/<name>`, `/u/<name>` and `/r/u_<name>`, `youtube.com/channel/<id>`,
  `youtube.com/@handle`, `tiktok.com/@name` (also `/embed/@name`) and `/share/user/<id>`,
  `instagram.com/<name>` (also instagr.am), `t.me/<name>` (also telegram.me and
  telegram.dog), `tg://resolve?domain=`, `facebook.com/<name>`
  and `profile.php?id=`, `vk.com/<name>` (also on vk.ru, vkontakte.ru and its messenger's
  vk.me) and the
  people numbered in its paths and queries, `linkedin.com/in/<name>` (and the member
  id in its `?miniProfileUrn=`) and its people
  directory `/pub/dir/<first>/<last>` (and `?first=…&last=…`), `threads.net/@name` (the
  fediverse account name@threads.net, also on threads.com), `snapchat.com/add/<name>` and
  `/@name`, `<name>.tumblr.com` and `tumblr.com/<name>` (also its owner's
  `/settings/blog/<name>`, `/customize/<name>`), `twitch.tv/<name>` (also
  `player.twitch.tv/?channel=`, `embed.twitch.tv/?channel=`, the older clips'
  `clips.twitch.tv/<name>/<clip>` and `dashboard.twitch.tv/u/<name>`),
  `pinterest.<any country>/<name>`, and Friendica's `host/profile/user` when user@host
  is known) has its person part replaced and the rest kept, so thread links still join
  and `platform_id` stays a stable dedup key across re-imports. Links to `mailto:` and
  `tel:` lose the address or number; so do e-mail addresses inside URLs.
- A Reddit post on someone's own profile has `community` "u_<name>": the name goes too.
- `raw` is set to None: the caller encrypts it first when the project opts in.

`file_names` does the same for the names of the files a run read (a timeline is often
named after its account): the handles and ids of people the project knows are replaced.

**The pseudonym** is "user-" + the first 16 hex digits of HMAC-SHA256(project key,
"<platform family>:<identity>"). A keyed hash, so nobody without the key can confirm
a guess ("is user-3f9a… @ana?"), and each project's key gives unrelated pseudonyms.
16 hex digits are 64 bits: the chance that any two of n people in a project share a
pseudonym is about n²/2⁶⁵, i.e. 3 in 100 million for a million people and 3 in a million
for ten million; 12 digits (48 bits) would already give 2 in 1,000 for a million, and a
collision silently merges two people in every analysis.

**Identity.** One person must get one pseudonym whether seen as an author (with a
stable id), in a mention (sometimes only a handle) or in a URL. The identity hashed is:

- X, Bluesky, YouTube, Telegram and others: the platform's stable id when known (X user
  id, DID, channel id, `from_id`), else "@" + the lower-cased handle (the "@" keeps an
  all-digit X handle apart from a user id);
- Reddit: the lower-cased username, which Reddit never changes or reuses and which every
  source has (many lack the `t2_` id);
- Mastodon: the account address `user@domain`, lower-cased, from the handle or from
  an id given as an acct or account URL. Account ids are local to each server, so
  parsers must pass the acct with its domain for one person to be one pseudonym
  across servers.

Platforms are grouped into families (`twitter` = `x`) so one person imported from
different X formats is one pseudonym; different platforms are never joined.

**The directory** maps "<family>:<handle>" to the pseudonym of the person seen with
that handle (the latest one, as handles change hands). It lets a later handle-only
sighting (an @mention in text, an `x.com/name` link) reuse the id-based pseudonym. The
project stores it encrypted (`document()` out, `Pseudonymiser.from_document(…)` in)
with `people` (every pseudonym of the project: has an id or not). What a run learns
for the re-identification table only an owner may open, `originals` (pseudonym ->
platform, id, handle, display name: the latest, and the last few they went by before it
under `earlier_display_names`, only for those who changed it), the caller merges into
the stored table: a pseudonymiser never holds the whole table, so its memory does not
grow with it. A post that names someone without a display name (a mention) has every
name this run saw them with replaced in its text.

Someone first seen only by handle (a quoted tweet's `x.com/name/status/…` link, an
@mention in text) gets the handle-based pseudonym; when an id later arrives with that
handle, on X, TikTok and Instagram the id adopts that pseudonym (`aliases`, stored
with the directory) rather than starting a second one, unless someone with an id
already holds it. Also on YouTube, where replies name people as "@handle" before their
own comments come: a channel id appears in stored values only in the odd
`youtube.com/channel/<id>` link, and an id seen in one keeps its own pseudonym (the link
is stored with it); so does a TikTok user id seen in a `tiktok.com/share/user/<id>`
link, and an X user id in `x.com/i/user/<id>` or `?user_id=<id>`. Not on Bluesky or
Telegram, whose ids are inside every post's URI: a URI stored before the adoption would
no longer match the person's own posts.

Within a post, the people named in `author` and `mentions` are authoritative for the
text, so Mastodon's short `@bo` for `bo@other.example` resolves to the right person.

**Bare handles** (without `@`) are replaced only for people in the directory (Mastodon:
the username without its server, known for this only) and only
when the handle cannot be an ordinary word: at least 4 characters with a letter and a
digit, `_`, `-` or `.` (`ana_example`, `ana.bsky.social`). A handle made of letters
only (`hope`, `sarah`) would otherwise rewrite every use of that word in the corpus;
it is still replaced in its `@`, `u/` and profile-link forms.

Not covered here: display names written in text of people the post does not name in
its fields, one-word display names, names of private Telegram chats in `community`,
links to someone's personal website or to profiles on sites not listed above, and
handles inside a longer dotted token (`ana_example.Thanks`). Speed: per-identity HMACs are cached and every regex
runs only after a cheap substring check; see benchmarks/bench_privacy.py.
"""

import functools
import hmac
import re
from itertools import repeat
from urllib.parse import quote, unquote

import msgspec
import regex

from socialgood.platforms.files import FILE_ENDINGS
from socialgood.platforms.model import PLATFORMS, Link, Person, Post
from socialgood.platforms.normalise import THREADS_ACCOUNT_DOMAIN, X_POST_URL, domain
from socialgood.privacy.scrub import PROFILE_PATH, URL_HOST, scrub_contacts

PREFIX = "user-"
DIGEST_CHARS = 16
# Identities whose HMAC is kept. Frequent people (and Bluesky DIDs, repeated in every
# URI) hit; a rare one costs a microsecond or two to hash again. Measured on 1M
# twarc2 posts: a million entries held 233k identities (~70 MB) for a 53% hit rate.
CACHE_SIZE = 1 << 16
# People as parsed, so a frequent author costs one lookup: two generations of this many.
# On 1M twarc2 posts (226k people) caching them all took the reader's peak to 355-490 MB,
# this 268 MB for ~1 s more CPU (see benchmarks/README.md).
PEOPLE_CACHE_SIZE = 1 << 15
# The display names a person went by before the latest, kept to replace them where a
# text still uses one (a mention without a name, a text stored earlier): the last few,
# the oldest dropped first, and only names that differ. The table grows with a project's
# people (~50 MB in memory per 100k, ~155 bytes each as stored JSON; reprotect holds all
# their names): 5 earlier names add ~125 bytes to a person's entry, and no more after.
EARLIER_NAMES_KEPT = 5
# Posts whose replaced names are kept for a repost of them to replace as well: two
# generations of this many. The parsers yield an original just before its repost (a
# repost's text is the original's), or earlier in the same page.
POST_NAMES_CACHE_SIZE = 1 << 12
# Threads people are fediverse accounts (platforms.zeeschuimer writes them name@threads.net).
FAMILIES = {"twitter": "x", "threads": "mastodon"}
# The server of an @mention written without one in these platforms' texts: a Threads
# username holds dots, which Mastodon's rule for a local "@name" cut ("@ana" and
# ".example" of "@ana.example", which a post may name in no mention: a tag in alt text).
ACCOUNT_DOMAINS = {"threads": THREADS_ACCOUNT_DOMAIN}
# Directory entries under this family are known as bare handles only (see _person).
BARE_ONLY = "bare"
# Families whose user ids are not inside every stored URI: there an id may adopt the
# pseudonym its handle got before the id was known (see "The directory").
ADOPTING_FAMILIES = frozenset({"x", "tiktok", "instagram", "youtube"})
# Platforms whose handles are letters, digits and "_" only: "@ana." and "@ana-" end at "ana".
WORD_HANDLES = frozenset({"x", "telegram", "reddit", "mastodon"})
# Sites whose "host/@name" (or "host/u/name") URLs name their own users rather than
# fediverse accounts.
HANDLE_HOSTS = {
    "youtube.com": "youtube", "tiktok.com": "tiktok", "medium.com": "medium",
    "snapchat.com": "snapchat", "story.snapchat.com": "snapchat",
    "dashboard.twitch.tv": "twitch",  # a channel's creator dashboard: /u/<name>
}  # fmt: skip
# Sites whose people have their fediverse address on another domain than their profile
# links': Threads' are name@threads.net, linked on (www.)threads.net or, since 2025,
# (www.)threads.com.
FEDIVERSE_DOMAINS = {"threads.net": "threads.net", "threads.com": "threads.net"}
X_RESERVED_PATHS = frozenset(
    "i home search hashtag explore intent share settings messages notifications compose "
    "login logout signup tos privacy about jobs download account help lists".split()
)

_PSEUDONYM = re.compile(r"user-[0-9a-f]{16}")
_DOMAIN = URL_HOST
_NAME = r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?"


def _mention_pattern(sign, name):
    # The sign not inside a word (an e-mail address), except in an old-style retweet's
    # "RT@name"; the sign first, as a plain character: a fast search.
    return re.compile(rf"({sign})(?:(?<!\w{sign})|(?<=\b[Rr][Tt]{sign}))({name})(?:@({_DOMAIN}))?")


_MENTION = _mention_pattern("@", _NAME)
_WIDE_MENTION = _mention_pattern("＠", _NAME)  # the full-width sign of CJK keyboards
# YouTube handles may be written in any script ("@ゾルブラックス"), and hold middle dots.
_YOUTUBE_HANDLE = r"\w(?:[\w.\-·]*\w)?"
_UNICODE_MENTIONS = (
    _mention_pattern("@", _YOUTUBE_HANDLE),
    _mention_pattern("＠", _YOUTUBE_HANDLE),
)
_WORD_HANDLE = re.compile(r"[A-Za-z0-9_]+")
_REDDIT_MENTION = re.compile(r"(?<![\w/])(/?u/|/user/)([A-Za-z0-9_\-]{3,20})(?![\w\-])")
# A did:plc is 24 base-32 letters, but one that is not (cut short, or made up) names a
# person just the same: any run of letters and digits is taken.
# "did" first, the check before it next: a pattern that starts with a literal is found
# by a fast scan (this runs on every Bluesky post's id, link and parents).
# A Bluesky record's own URI as the API gives it (a post, its parent, its thread's root),
# and a post's web link as platforms.bluesky writes it: the most common values of all,
# and nothing in them but the DID can name anyone (record keys are TIDs or "self"), so
# they are read at once rather than through every rule.
_RECORD_URI = re.compile(
    r"(at://|https://bsky\.app/profile/)did:plc:([a-z2-7]{24})"
    r"(/[a-z][a-z0-9.\-]{0,252}/[A-Za-z0-9_~\-]{1,512})?"
)
_DID = re.compile(
    r"did(?<![A-Za-z0-9]did)(?::|%3[Aa])"
    r"(?:plc(?::|%3[Aa])(?P<plc>[a-z0-9]+)|web(?::|%3[Aa])(?P<web>[A-Za-z0-9.\-]+))"
)
# Profile-shaped URLs, matched whatever the case of the host. Each match ends with the
# person part; group 1 is what precedes it. X handles are at most 15 characters today,
# but a tool may build a URL from an older or a made-up one; the X mirrors (fxtwitter,
# nitter…) take the same paths.
_X_HANDLE = r"([A-Za-z0-9_]{1,50})(?![\w\-])"
_X_URL = re.compile(rf"(?<![\w\-])((?:twitter|x)\.com/){_X_HANDLE}")  # the usual: fast
_ANY_X_URL = re.compile(rf"(?<![\w\-])((?i:(?:fx|vx|fixup|fixv)?(?:twitter|x)\.com/)){_X_HANDLE}")
_NITTER_URL = re.compile(rf"(?<![\w\-])((?i:nitter(?:\.[a-z0-9\-]+)+/)){_X_HANDLE}")
_X_USER_ID_URL = re.compile(r"(?<![\w\-])((?i:(?:twitter|x)\.com/i/user/))([0-9]+)")
# Its parameters are joined by "&", or "&amp;" in HTML (exports, a post's HTML text).
_X_INTENT = re.compile(rf"((?i:(?:[?&]|&amp;)(?:screen_name|user_id)=)){_X_HANDLE}")
_REDDIT_URL = re.compile(
    r"((?<![\w\-])(?i:reddit\.com/(?:user|u)/)|(?i:/r/u_))([A-Za-z0-9_\-]{3,20})(?![\w\-])"
)
_YOUTUBE_CHANNEL_URL = re.compile(r"(?<![\w\-])((?i:youtube\.com/channel/))(UC[A-Za-z0-9_\-]{22})")
# TikTok's people by their user id (a post's author id), in its share links.
_TIKTOK_USER_ID_URL = re.compile(r"(?<![\w\-])((?i:tiktok\.com/share/user/))([0-9]+)")
# ... so in its profile links too (youtube.com/@zoë.müller): whole, before the fediverse
# pass, whose names are ASCII, would take the "zo" only.
_YOUTUBE_HANDLE_URL = re.compile(
    rf"(?<![\w.\-])((?i:(?:www\.|m\.)?youtube\.com/@))({_YOUTUBE_HANDLE})"
)
_YOUTUBE_NAME_URL = re.compile(rf"(?<![\w\-])((?i:youtube\.com/(?:c|user)/))({_NAME})")
# bsky.app's and every other Bluesky client's profile links (DIDs are replaced before):
# the handle is a domain name. (Other sites' /profile/<word> is left: mostly pages.)
_PROFILE_URL = re.compile(rf"(?<![\w.\-])(({_DOMAIN})(?::[0-9]+)?(?i:/profile/))({_NAME})")
_AT_URI = re.compile(rf"((?i:at)://)({_DOMAIN})")
# A bsky.social subdomain is someone's handle, also as a link's host (https://<handle>).
# An @mention of one (or of a bridged fediverse account, "@<handle>@bsky.brid.gy") is
# left to the text's mention pass.
_BSKY_SOCIAL_HANDLE = re.compile(
    r"(?<![\w.\-@])(?i:[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?\.bsky\.social)(?![\w\-@])"
)
# Bluesky's own sites under bsky.social, not people.
BSKY_SOCIAL_SITES = frozenset({"www", "status", "blog", "docs"})
# A link inside a link, percent-encoded, once or twice (share buttons, redirects,
# archives: ?url=https%3A%2F%2F…); what it ends with is read as the prose's. Some
# redirects encode only the scheme (?to=https%3A%2F%2Fvk.com/id5): a plain "/" is read on.
# A link ends where the next encoded one starts, so each is read once: read on, such a
# link's rest, read again as a link, held the next one (recursion 5,000 links deep).
_NOT_AN_ENCODED_SCHEME = r"(?!(?i:https?%(?:25)?3a))"
# The "@" before a remote account's server, percent-encoded as the one before its name.
_ENCODED_SERVER = re.compile(rf"(/@{_NAME})%40(?=[A-Za-z0-9])")
_ENCODED_URL = re.compile(
    r"(?i:(https?)(%(?:25)?3a%(?:25)?2f%(?:25)?2f))"
    rf"(?:{_NOT_AN_ENCODED_SCHEME}[A-Za-z0-9%._~!$'()*+,;=:@/\-])*"
    rf"{_NOT_AN_ENCODED_SCHEME}[A-Za-z0-9%_~$+=@/\-]"
)
# What encodeURIComponent leaves as it is, besides letters, digits and "-_.".
_URI_COMPONENT_SAFE = "!~*'()"
# Sites whose first path segment (or t.me/s/<name>, instagram.com/stories/<name>,
# twitch.tv/popout/<name>/chat, /embed/<name>/chat) is a user name, with the paths that
# are not. Such a prefix is never taken for the name itself (possessive "?+"): not when
# a pseudonym, which no name matches, follows it either.
_NAME_FIRST_URL = re.compile(
    r"(?<![\w.\-])((?i:www\.|m\.|web\.|mbasic\.|touch\.)?"
    r"((?i:instagram\.com|instagr\.am|t\.me|telegram\.me|telegram\.dog|facebook\.com|fb\.com"
    r"|vk\.com|vk\.ru|vkontakte\.ru|vk\.me|twitch\.tv))/"
    r"(?i:s/|stories/|popout/|moderator/|subs/|embed/)?+)([A-Za-z0-9_.]{1,50})(?![\w\-])"
)
NAME_FIRST_HOSTS = {
    "instagram.com": "instagram", "t.me": "telegram", "telegram.me": "telegram",
    "instagr.am": "instagram", "telegram.dog": "telegram",  # their other domains
    "facebook.com": "facebook", "fb.com": "facebook", "twitch.tv": "twitch",
    "vk.com": "vk", "vk.ru": "vk", "vkontakte.ru": "vk",  # its new domain and its old one
    "vk.me": "vk",  # its messenger's links, as t.me's
}  # fmt: skip
# Where a handle in a file name may be someone's: the platforms', and the sites whose
# profile links name people ("feed-fennademo.json" after twitch.tv/fennademo).
FILE_NAME_FAMILIES = tuple(
    dict.fromkeys(
        # The platforms' people first, as before (BARE_ONLY: Mastodon's): a name their
        # files were renamed after keeps its pseudonym when a link names someone else.
        [FAMILIES.get(platform, platform) for platform in PLATFORMS]
        + [BARE_ONLY]
        + sorted({*HANDLE_HOSTS.values(), *NAME_FIRST_HOSTS.values(), "linkedin", "pinterest"})
        + ["tumblr"]
    )
)
NOT_NAMES = {
    "instagram": frozenset(
        "p reel reels explore accounts tv direct about legal developer web static api "
        "graphql challenge emails press s".split()
    ),
    "telegram": frozenset(
        "joinchat addstickers addemoji addtheme addlist share proxy socks c iv login "
        "setlanguage confirmphone bg invoice boost contact m".split()
    ),
    "facebook": frozenset(
        "groups pages events watch photo photos share sharer login help marketplace gaming "
        "reel reels hashtag notes media dialog plugins policies privacy business ads tr "
        "stories people".split()
    ),
    "twitch": frozenset(
        "directory videos clips downloads jobs p settings subscriptions inventory wallet "
        "drops search turbo prime store friends messages broadcast popout moderator subs "
        "embed collections team bits products redeem following payments activate event "
        "creatorcamp dashboard login signup logout".split()
    ),
    "pinterest": frozenset(
        "pin pins search ideas today explore discover categories topics trends creators "
        "business ads analytics settings login signup logout password oauth secure about "
        "help resource source offsite news_hub videos shopping amp homefeed feed following "
        "notifications inbox edit invite join _".split()
    ),
    # Tumblr's pages, and its own hosts (www.tumblr.com, media.tumblr.com)
    "tumblr": frozenset(
        "tagged search explore dashboard blog view reblog post new settings customize login "
        "register logout about help policy privacy docs apps business jobs likes following "
        "inbox messages activity communities share widgets oauth developers themes premium "
        "www m api assets static media embed secure platform".split()
    ),
    "vk": frozenset(
        "feed im friends groups search music video videos clips apps games services settings "
        "support terms privacy about login join blog dev press jobs share docs pages page "
        "notes market legal help mail audio audios photos albums public event stickers app "
        "clubs".split()
    ),
}
# The sites' own files first in the path (instagram.com/embed.js, facebook.com/sharer.php),
# by their ending: a name with "." (zq.user) is a person's, but not with these.
WEB_FILE_ENDINGS = frozenset("js css php html png jpg svg ico xml json txt".split())
# Tumblr's blogs are named in their host, <name>.tumblr.com (also written without a link's
# path), and since 2022 first in the path: tumblr.com/<name>, /blog/view/<name>,
# /reblog/<name>/…, and its owner's /settings/blog/<name>, /customize/<name>. Their names
# hold letters, digits and "-".
_TUMBLR_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_HEX = "[0-9A-Fa-f]"


def _after_escape(sign):
    """Where a name may start after a percent-escape written with `sign` ("%", or "%25"
    when encoded twice): after an escape that ends what came before it, an ASCII
    character's ("%2F", "%20", "%3A": "0"-"7" first; not "%25", the start of the next
    escape), or the last byte of a character encoded in several ("%A0" of "%C2%A0", "%9C"
    of "“", "%E2%80%9C"); and right after a `sign` that starts no such escape."""
    ends = rf"[0-7]{_HEX}|(?<={sign}{_HEX}{{2}}{sign})[89ABab]{_HEX}"
    return (
        rf"(?<={sign}[0-7]{_HEX})(?<!%25)|(?<={sign}{_HEX}{{2}}{sign}[89ABab]{_HEX})"
        rf"|(?<={sign})(?!{ends})"
    )


# Also right after a percent-escape, once or twice encoded (a link inside a link:
# https%3A%2F%2F<name>.tumblr.com, ?text=see%20<name>.tumblr.com), whose hex digits ("2F")
# are not part of the name. Only after one that can end what precedes a name: after any
# "%" and two hex digits, "100%fenna-demo.tumblr.com" was read as "%fe" and "nna-demo",
# and "fe" stayed. Right after a plain "%", the name is all that follows it.
_TUMBLR_BLOG_HOST = re.compile(
    rf"(?:(?<![\w.\-@%])|{_after_escape('%')}|{_after_escape('%25')})"
    rf"({_TUMBLR_NAME})((?i:\.tumblr\.com))(?![\w\-@])"
)
_TUMBLR_URL = re.compile(
    r"(?<![\w.\-])((?i:www\.)?((?i:tumblr\.com))/"
    r"(?i:blog/view/|blog/|reblog/|settings/blog/|customize/)?)"
    rf"({_TUMBLR_NAME})(?!\w)"
)
# Pinterest's people are first in the path too, under every country's domain:
# pinterest.com, de.pinterest.com, pinterest.co.uk, pinterest.com.au.
_PINTEREST_URL = re.compile(
    r"(?<![\w.\-])((?i:(?:[a-z]{2,3}\.)?(pinterest\.(?:com?\.)?[a-z]{2,3}))/)"
    r"([A-Za-z0-9_]{1,50})(?![\w\-])"
)


# VK's communities (club123, public123) are not people; its things are numbered by their
# owner, a person unless the number is negative (a community): wall123_45, photo123_678.
_VK_COMMUNITY = re.compile(r"(?:club|public|event|app)[0-9]+")
# A person's lists are numbered so too: videos123, albums123.
_VK_KINDS = (
    r"(?:wall|photo|video|audio|album|topic|board|doc|market|product|story|clip|note|page|poll)s?"
)
_VK_THING = re.compile(rf"({_VK_KINDS})([0-9]+)((?:_[0-9]+)?)")
# ... also opened over another page (vk.com/feed?w=wall123_45), several at once, joined by
# "%2F" (z=photo123_45%2Fwall678_9: a photo seen in a post's list; a playlist pl_123_4),
# and people by their number in a query (im?sel=123, friends?id=123). Only in these
# parameters: others hold another site's link (away.php?to=https%3A%2F%2F…%2Fphotos2024).
# Parameters are joined by "&", or "&amp;" in HTML (exports, a post's HTML text), and by
# a second "?" where a tool added its own to a link with a query (feed?w=wall1_2?id=3):
# read as part of w=, the person in id= stayed. So are they after a "#" (feed#id=123,
# im?sel=1#x&id=2): a link's fragment is read as its query, to where the link ends.
_VK_HOST = r"(?i:(?:www\.|m\.)?(?:vk\.com|vk\.ru|vkontakte\.ru)/)"
# Where a VK link starts, also its messenger's (vk.me/im?sel=123); not inside another
# site's name (myvk.com/).
_VK_LINK = rf"(?<![\w.\-])(?:{_VK_HOST}|(?i:(?:www\.|m\.)?vk\.me/))"
# The path is read to the next VK link at most: read to the end of a run of links
# ("vk.com/" 14,000 times and a "#" anywhere), each would scan all the rest (seconds).
# The query ends where the next link starts, and a VK link nested in a query has the rest
# of it (feed?a=vk.com/x&w=wall1_2, away.php?to=https://vk.com/id1&w=…): a path ends at
# "&" too. Without a "?" of its own, the nested link had no query, and w= kept the number.
_VK_QUERY = re.compile(
    rf"({_VK_LINK}(?:(?!{_VK_LINK})[^\s?#&])*(?:[?#]|&(?:amp;)?))"
    rf"((?:(?!://|{_VK_LINK})[^\s\"'<>])+)"
)
_VK_PARAMETER = re.compile(
    r"((?:^|&(?:amp;)?|[?#])[wz]=)([^&?#]*)|((?:^|&(?:amp;)?|[?#])(?:sel|id)=)([0-9]+)(?![\w\-])"
)
# Encoded twice too, as in a link inside a link ("%25" for its "%": %252F).
_VK_OPENED = re.compile(rf"((?:^|%(?:25)*2[Ff])(?:{_VK_KINDS}|pl_))([0-9]+)")
# A tool that encoded the second "?" (w=wall1_2%3Fid%3D123, also "%26" for "&") hid a
# person's number in the thing opened; so did one encoding it twice (%253Fid%253D123).
_VK_ENCODED_PERSON = re.compile(
    r"(%(?:25)*(?:3[Ff]|26|23)(?:sel|id)%(?:25)*3[Dd])([0-9]+)(?![\w\-])"
)
# Around 2010 VK opened its pages in the fragment: vk.com/#/<path> (vkontakte.ru/#/id123,
# vk.com/#/wall123_4), also written "#!/". What follows is read as the path, its first
# segment as on vk.com/<name>.
_VK_OLD_PATH = re.compile(
    r"(?<![\w.\-])((?i:www\.|m\.)?((?i:vk\.com|vk\.ru|vkontakte\.ru))/#!?/)"
    r"([A-Za-z0-9_.]{1,50})(?![\w\-])"
)
# LinkedIn's profiles are mostly the person's own name: linkedin.com/in/<first-last-…>
# (the older /pub/<first-last>/…, the mobile site's /mwlite/in/…), and a post's link
# starts with its author's: linkedin.com/posts/<first-last-…>_<words>-activity-….
# (An organisation's post link is written the same way: its name goes too.) Its people
# directory, /pub/dir/<first>/<last>, searches for a name ("+" for a part left out), as
# does its query form /pub/dir/?first=<first>&last=<last>&search=Search (either left out).
_LINKEDIN_DOMAIN = r"(?i:(?:[a-z]{2,3}\.|mobile\.)?linkedin\.com/)"
_LINKEDIN_HOST = rf"(?<![\w.\-]){_LINKEDIN_DOMAIN}"
_LINKEDIN_DIR_NAME = r"[\w%+'\-]*[\w%+]"
_LINKEDIN_URL = re.compile(
    rf"({_LINKEDIN_HOST}"
    r"(?:(?i:(?:mwlite/)?(?:in|pub(?!/dir(?![\w%\-])))/)([\w%\-]*[\w%])"
    r"|(?i:posts/)([\w%\-]+?)(?=_)"
    rf"|(?i:pub/dir/)({_LINKEDIN_DIR_NAME}(?:/{_LINKEDIN_DIR_NAME})?)))"
)
_LINKEDIN_DIR_QUERY = re.compile(
    rf"({_LINKEDIN_HOST}(?i:pub/dir/?\?))"
    # Not ended at "'": names hold it (O'Brien); a quoted href's "'" is followed by ">".
    rf"((?:(?!://|{_LINKEDIN_DOMAIN})[^\s#\"<>])+)"
)
# A member's URN (profile links copied from its feed: ?miniProfileUrn=urn:li:fs_miniProfile:
# <id>): the id opens the member's profile too, as linkedin.com/in/<id>.
_LINKEDIN_MEMBER_URN = re.compile(
    r"((?i:urn(?::|%3A)li(?::|%3A)(?:fs_miniProfile|fsd_profile|fs_profile|member)(?::|%3A)))"
    r"([A-Za-z0-9_\-]+)"
)
_LINKEDIN_DIR_PARAMETER = re.compile(rf"((?:^|&(?:amp;)?)((?i:first|last))=)({_LINKEDIN_DIR_NAME})")
# Twitch's embedded player names its channel in the query: player.twitch.tv/?channel=<name>
# (also without the "/"), and so does its older embed, embed.twitch.tv/?channel=<name>;
# so do links written on www. or on its clips' host. The name may follow an "@", also
# encoded (channel=%40<name>), also twice, as in a link inside a link (%2540), which is not
# part of it. (Left to the mentions' pass, a plain "@<name>" stayed in links, and in texts
# was taken for a user of the post's site.) A link may name several channels: its query is
# read whole (to a space, "#", HTML's quotes or brackets, the next link) and each goes;
# matched from the host, the first one only went, and the second one's name stayed. A
# second "?" starts a parameter too, as in a query a careless tool appended
# (?parent=x?channel=<name>).
_TWITCH_PLAYER_QUERY = re.compile(
    r"(?<![\w.\-])((?i:(?:www\.)?(?:player|embed|clips)\.twitch\.tv/?\?))"
    r"((?:(?!://)[^\s#\"'<>])+)"
)
_TWITCH_CHANNEL = re.compile(
    r"((?:^|\?|&(?:amp;)?)(?i:channel=)(?:%(?:25)*40|@)?)([A-Za-z0-9_]{1,50})(?![\w\-])"
)
# Clips linked before 2017 named their channel before the clip's own words:
# clips.twitch.tv/<name>/<Slug>, and in the embed, clips.twitch.tv/embed?clip=<name>/<Slug>
# ("/" also encoded, also twice: %252F). A slug's words start with a capital. Today's
# clips.twitch.tv/<Slug> holds no name, also with a "/" after it.
_TWITCH_CLIP_URL = re.compile(
    r"(?<![\w.\-])((?i:(?:www\.)?clips\.twitch\.tv/"
    r"(?:embed/?\?(?:[^\s#?\"'<>]*?&(?:amp;)?)?clip=)?))"
    r"([A-Za-z0-9_]{1,50})(?=(?:/|%(?:25)*2[Ff])[A-Z])"
)
# The clips host's own paths (its API: clips.twitch.tv/api/v2/clips/<Slug>), and Twitch's.
TWITCH_CLIP_PATHS = frozenset({"api", "embed"}) | NOT_NAMES["twitch"]
# Snapchat's "add me" links name the person as its profiles do (snapchat.com/@name).
_SNAPCHAT_ADD_URL = re.compile(rf"(?<![\w.\-])((?i:(?:www\.)?snapchat\.com/add/))({_NAME})")
_TELEGRAM_RESOLVE = re.compile(r"((?i:tg://resolve\?domain=))([A-Za-z0-9_]{1,50})(?![\w\-])")
# Facebook's people by their number: profile.php?id=, people/<their name>/<id>, and a
# group's member page groups/<group>/user/<id>.
_FACEBOOK_ID = re.compile(
    r"((?i:(?:facebook|fb)\.com/)(?:(?i:profile\.php\?id=)|((?i:people)/)[^/?#\s]+/"
    r"|(?i:groups)/[^/?#\s]+/(?i:user)/))([0-9]+)"
)
# Pixelfed's status URLs name their author: host/p/<name>/<status id>.
_PIXELFED_URL = re.compile(rf"(?<![\w.\-])(({_DOMAIN})(?::[0-9]+)?(?i:/p/))({_NAME})(?=/[0-9])")
# Lemmy's people: host/u/<name> (reddit.com's are Reddit's, replaced before).
_LEMMY_URL = re.compile(rf"(?<![\w.\-])(({_DOMAIN})(?::[0-9]+)?(?i:/u/))({_NAME})")
_TELEGRAM_USER = re.compile(r"tg-user:([0-9]+)")  # a one-to-one chat's id (platforms/telegram)
# host/@user, host/@user@domain (a remote account seen on host), host/users/user, and
# host/ap/users/<account number> (Mastodon 4.4 on: the number is the account's own id).
# Also in Mastodon's web app, host/web/@user, and TikTok's embed, tiktok.com/embed/@name
# (PROFILE_PATH: the e-mail scrubber leaves these links to this).
_FEDIVERSE_URL = re.compile(
    rf"(?<![\w.\-])(({_DOMAIN})(?::[0-9]+)?{PROFILE_PATH})({_NAME}(?:@{_DOMAIN})?)"
)
_ACTIVITYPUB_URL = re.compile(
    rf"(?<![\w.\-])(({_DOMAIN})(?::[0-9]+)?(?i:/(?:ap/)?users/))({_NAME})"
)
# YouTube Music's profile links, music.youtube.com/@name, are read as fediverse accounts
# (name@music.youtube.com), and stored so: an ASCII name is left to that pass and keeps
# its pseudonym. A name in another script is taken whole here, as the same account: that
# pass, whose names are ASCII, took the "fenna" of "fennaé_demo" only and left "é_demo".
# Letters glued after "@<domain>" are part of it (an "@" form is read whole either way).
_YOUTUBE_MUSIC_HANDLE_URL = re.compile(
    rf"(?<![\w.\-])(((?i:music\.youtube\.com))/@)"
    rf"({_YOUTUBE_HANDLE}(?:@{_DOMAIN}(?:[\w.\-·]*\w)?)?)"
)
# What earlier rules left of a name beside its pseudonym: the non-ASCII rest of a YouTube
# Music handle ("user-…é_demo"), and the two characters taken for a percent-escape's
# before a Tumblr blog's name ("100%feuser-….tumblr.com"). No name looks like that.
_PSEUDONYM_THEN_REST = re.compile(rf"({_PSEUDONYM.pattern})[^\x00-\x7f].*", re.S)
_ESCAPE_REST_THEN_PSEUDONYM = re.compile(rf"[0-9A-Fa-f]{{2}}({_PSEUDONYM.pattern})")
_ACCOUNT_URL = re.compile(rf"https?://([^/:]+)(?::[0-9]+)?/(?:users/|@)({_NAME})")
_TOKEN = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?")
# The bytes of a lower-cased text that a handle written without "@" is made of; every
# other byte (of non-ASCII letters too) ends a token. translate() and split() run in C,
# on every post: a regex finding the tokens took four times as long.
_HANDLE_BYTES = bytes(
    byte if chr(byte) in "abcdefghijklmnopqrstuvwxyz0123456789_.-" else ord(" ")
    for byte in range(256)
)
_NOBODY = Person()
_NAME_CORE = re.compile(r"[^\w]*([\w'’.\- ]+)")
_SHORTCODE = re.compile(r":[A-Za-z0-9_]+:")  # a Mastodon custom emoji in a name
# Emoji and other symbols in a name, with what joins and styles them (not ASCII's "|",
# which sets off what follows the name: "Ana Example | Carer").
_DECORATION = regex.compile(r"(?:(?![\x00-\x7f])[\p{S}\p{Cf}]|[\uFE0E\uFE0F])+")
# The words of a file or folder name: its runs of letters and digits.
_FILE_NAME_WORD = re.compile(r"[^\W_]+")
_FILE_NAME_DID = re.compile(r"did[:_]plc[:_]([a-z2-7]{24})")
FILE_NAME_MAX_WORDS = 8  # a handle or a name is a few words of a file name, not more
# Words of a file name that are its ending, or name a platform or a tool, not someone on
# it (@x, @reddit).
FILE_WORDS = FILE_ENDINGS | {"html", "result", "twarc", "twarc2", "zeeschuimer"}
FILE_WORDS |= {"x", "twitter", "bluesky", "bsky", "mastodon", "reddit", "youtube", "telegram"}
FILE_WORDS |= {"tiktok", "instagram", "facebook"}
FILE_WORDS |= {"twitch", "tumblr", "vk", "linkedin", "pinterest", "snapchat", "medium"}
# What exports and tools name their files and folders: "data/tweets.js", "likes.json",
# "export.csv". Someone on a site a post links to may go by one ("tumblr.com/data").
FILE_WORDS |= set(
    "data export exports archive backup download downloads dump media posts tweets likes "
    "notes feed timeline search results comments messages chat chats followers following "
    "account profile replies sample".split()
)


def _name_core(name: str) -> str:
    """A display name without what decorates it: "Quilla Marrow 🌿" → "Quilla Marrow",
    "Quilla M (she/her)" → "Quilla M", ":rainbow: Quilla Marrow" → "Quilla Marrow"."""
    core = _NAME_CORE.match(_SHORTCODE.sub(" ", name))
    return " ".join(core[1].split()) if core else ""


def _is_shown_name(name: str) -> bool:
    """Can this display name, written in a text, not be an ordinary word: two words or
    more, or a distinctive handle-like one?"""
    return len(name) >= 4 and (" " in name.strip() or _is_distinctive(name))


def shown_name(display_name, value):
    """(the name as a text shows it, `value`) for a person's display name, or None.

    A display name that can't be an ordinary word ("Ana Example", "ana_ex", but not
    "Hope") is replaced where a post's text shows it (a signature, "by …"), as people
    write it: without its emoji or pronouns, in any case."""
    name = _name_core(display_name) if display_name else None
    return (name, value) if name and _is_shown_name(name) else None


def _shown(display_name, value):
    """shown_name() of a display name, and of its words without the emoji between them
    where that differs: the name's core ends at its first emoji, and of "Quilla 🌿 Marrow"
    it is "Quilla", one word, never replaced, while texts write "Quilla Marrow"."""
    shown = shown_name(display_name, value)
    # An ASCII name holds none (most names: the test is cheap, the search is not).
    if display_name and not display_name.isascii() and _DECORATION.search(display_name):
        whole = shown_name(_DECORATION.sub(" ", display_name), value)
        if whole and whole != shown:
            return (shown, whole) if shown else (whole,)
    return (shown,) if shown else ()


def shown_names(original, value):
    """shown_name()'s of every display name `original` (a person's entry in the
    originals) keeps for them, the latest and the earlier ones, each once."""
    if not original:
        return ()
    earlier = original.get("earlier_display_names")
    if not earlier:  # nearly everyone: once per person seen, on an import's hot path
        return _shown(original.get("display_name"), value)
    kept = (original.get("display_name"), *earlier)
    return tuple(dict.fromkeys([pair for name in kept for pair in _shown(name, value)]))


def kept_names(originals):
    """{pseudonym: the names a text can show of them} for a table of originals
    ({pseudonym: original}), for Pseudonymiser(kept_names=…): the names only, the fewest
    bytes to hold for every person a large project knows."""
    return {
        value: tuple([name for name, _ in shown])
        for value, original in originals.items()
        if (shown := shown_names(original, value))
    }


def went_by(original, display_name):
    """Note in `original` that the person now goes by `display_name`: the name it
    replaces joins their earlier ones, which keep the order they went by them."""
    current = original.get("display_name")
    if not display_name or display_name == current:
        return
    # A name that differs only in what decorates it ("Quilla Marrow 🌿") is the same name
    # in a text: it would take the place of a real earlier one among the few kept.
    core = _name_core(display_name)
    earlier = [
        name for name in original.get("earlier_display_names", ()) if _name_core(name) != core
    ]
    if current and _name_core(current) != core:
        earlier.append(current)
    if earlier:
        original["earlier_display_names"] = earlier[-EARLIER_NAMES_KEPT:]
    else:
        original.pop("earlier_display_names", None)
    original["display_name"] = display_name


def platform_family(platform: str) -> str:
    return FAMILIES.get(platform, platform)


def pseudonym(key: bytes, platform: str, identity: str) -> str:
    """The project's pseudonym for `identity` (an id, or "@" + handle) on `platform`."""
    message = f"{platform_family(platform)}:{identity}".encode()
    return PREFIX + hmac.digest(key, message, "sha256").hex()[:DIGEST_CHARS]


def replace_account_numbers(key: bytes, value: str) -> tuple[str, list]:
    """`value` with the Mastodon account numbers in ActivityPub uris (host/ap/users/<n>)
    replaced as imports replace them, and the edits made, (start, end, replacement) in
    `value`: for what was stored before they were (collect migration 0013)."""
    edits = []
    for match in _ACTIVITYPUB_URL.finditer(value):
        before, host, name = match.group(1, 2, 3)
        if "/ap/" in before.lower() and not is_pseudonym(name):
            replacement = pseudonym(key, "mastodon", _activitypub_identity(host, name))
            edits.append((match.start(3), match.end(3), replacement))
    for start, end, replacement in reversed(edits):
        value = value[:start] + replacement + value[end:]
    return value, edits


def _activitypub_identity(host, name):
    # The account as its acct is written, so /users/<name> is the same person as @name.
    return f"{name}@{host}".lower()


def is_pseudonym(value: str) -> bool:
    return value.startswith(PREFIX) and _PSEUDONYM.fullmatch(value) is not None


def _is_distinctive(handle: str) -> bool:
    """Could this handle, written without "@", not be an ordinary word or number?"""
    return len(handle) >= 4 and not handle.isalpha() and any(c.isalpha() for c in handle)


def _mastodon_acct(value: str) -> str | None:
    """`user@domain` from an acct or an account URL; None for a server-local id."""
    value = value.lower().removeprefix("@")
    match = _ACCOUNT_URL.match(value)
    if match:
        return f"{match[2]}@{_account_domain(match[1])}"
    return value if "@" in value else None


def _linkedin_directory_name(written: str) -> str:
    """A LinkedIn directory search's first and last name ("J%C3%B6rg/M", "+/M") as
    "jörg-m": it names no one profile, but the name is someone's, and this is the
    profile name LinkedIn gives by default (and the old /pub/first-last), so they are
    one pseudonym wherever that is theirs."""
    return "-".join(unquote(written).replace("+", " ").replace("/", " ").split())


def _own_users(host: str) -> str | None:
    """The platform whose own users `host`'s fediverse-shaped URLs name, if any."""
    return HANDLE_HOSTS.get(host.lower().removeprefix("www.").removeprefix("m."))


def _account_domain(host: str) -> str:
    """The domain of the fediverse address of a person whose profile is on `host`."""
    return FEDIVERSE_DOMAINS.get(host.lower().removeprefix("www."), host)


class PseudonymStats:
    """Counts for the import report. Never holds who was seen, only how many."""

    def __init__(self, people):
        self._people = people
        self.mentions_replaced = 0
        self.urls_rewritten = 0
        self.contacts_scrubbed = 0

    @property
    def people(self):
        return len(self._people)

    def as_dict(self):
        return {
            "people": self.people,
            "mentions_replaced": self.mentions_replaced,
            "urls_rewritten": self.urls_rewritten,
            "contacts_scrubbed": self.contacts_scrubbed,
        }


class Pseudonymiser:
    def __init__(
        self,
        key: bytes,
        directory: dict | None = None,
        scrub_contacts: bool = True,
        *,
        people: dict | None = None,
        aliases: dict | None = None,
        kept_names: dict | None = None,
    ):
        if not isinstance(key, bytes) or len(key) < 16:
            raise ValueError("a pseudonymisation key must be at least 16 bytes")
        self.scrub_contacts = scrub_contacts
        self._hash = functools.lru_cache(maxsize=CACHE_SIZE)(functools.partial(pseudonym, key))
        self._directory = {}  # "<family>:<handle>" -> pseudonym
        self._bare = {}  # distinctive handle -> pseudonym, for handles written without "@"
        self._seen = {}  # (family, Person as parsed) -> (pseudonymised Person, handles)
        self._seen_before = {}  # the previous generation of _seen
        # A recent post's id as parsed -> the (name, pseudonym) pairs of the people it names
        self._post_names = {}
        self._post_names_before = {}  # the previous generation of _post_names
        # pseudonym -> whether an id is known for them: everyone in the project (taken,
        # not copied: it is large)
        self.people = {} if people is None else people
        # pseudonym -> {platform, id, handle, display_name, earlier_display_names (only
        # once they changed it)}: what this run saw of them, None where it saw nothing,
        # for the re-identification table
        self.originals = {}
        # "<family>:<id>" -> the handle-based pseudonym that id adopted
        self.aliases = {} if aliases is None else aliases
        # pseudonym -> the names earlier runs kept for them that a text can show
        # (kept_names()): a mention gives no name, and a post may use an earlier one
        self.kept_names = {} if kept_names is None else kept_names
        self.stats = PseudonymStats(self.originals)  # this run's people, not the project's
        for entry, value in (directory or {}).items():
            family, _, handle = entry.partition(":")
            self._remember(family, handle, value)

    @classmethod
    def from_document(
        cls, key: bytes, document: dict, scrub_contacts: bool = True, kept_names=None
    ):
        """A pseudonymiser that goes on from a stored `document()` (and `kept_names()` of
        the stored originals)."""
        return cls(
            key,
            document["directory"],
            scrub_contacts,
            people=document["people"],
            aliases=document["aliases"],
            kept_names=kept_names,
        )

    def document(self) -> dict:
        """What the project knows about people, to be stored encrypted: its handle
        directory, aliases and people, and this run's `originals`."""
        return {
            "directory": self._directory,
            "aliases": self.aliases,
            "people": self.people,
            "originals": self.originals,
        }

    def saved(self):
        """What the run has learnt so far is stored: the names it saw join the kept ones
        (a later post may mention them without a name) and `originals` starts afresh, so
        the next save merges only what comes after."""
        for value, names in kept_names(self.originals).items():
            earlier = self.kept_names.get(value, ())
            self.kept_names[value] = tuple(dict.fromkeys((*names, *earlier)))
        self.originals.clear()

    @property
    def known(self) -> int:
        """Grows whenever there is someone new to store."""
        return len(self.people) + len(self.aliases)

    def apply(self, post: Post) -> Post:
        """`post` with every person in it replaced by their pseudonym."""
        family = platform_family(post.platform)
        home = ACCOUNT_DOMAINS.get(post.platform)
        local = {}  # handle -> pseudonym for the people this post names in structure
        names = []  # (display name, pseudonym) of those people, to replace in the text
        author = self._person(family, post.author, local, names)
        mentions = post.mentions
        if mentions:
            mentions = tuple([self._person(family, person, local, names) for person in mentions])
        if post.repost_of:
            # Its text is the original's: so are the names in it (the original's author's
            # signature, the names of those it mentions), which the repost does not name.
            names.extend(self._names_in_post(post.repost_of))
        if names:
            self._keep_post_names(post.platform_id, names)
        urls = self._urls
        return msgspec.structs.replace(
            post,
            platform_id=urls(post.platform_id),
            author=author,
            text=self._text(post.text, family, local, names, home) if post.text else post.text,
            url=urls(post.url) if post.url else post.url,
            reply_to=urls(post.reply_to) if post.reply_to else post.reply_to,
            quote_of=urls(post.quote_of) if post.quote_of else post.quote_of,
            repost_of=urls(post.repost_of) if post.repost_of else post.repost_of,
            thread_root=urls(post.thread_root) if post.thread_root else post.thread_root,
            community=self._community(post.community, family),
            mentions=mentions,
            links=tuple([self._link(link) for link in post.links]) if post.links else (),
            media=(
                tuple([self._media(media, family, local, names, home) for media in post.media])
                if post.media
                else ()
            ),
            raw=None,
        )

    def _community(self, community, family):
        # A Reddit post to someone's own profile is in the "subreddit" u_<username>.
        if family == "reddit" and community and community[:2].lower() == "u_":
            return "u_" + self._handle("reddit", community[2:].lower())
        return community

    def deletions(self, platform, notices):
        """A platform's deletion notices (platforms.report: ("post", id) or ("author", id))
        in the form the posts were stored: post ids with the people in them replaced,
        authors as their pseudonyms."""
        family = platform_family(platform)
        return [
            (what, self._id_pseudonym(family, value) if what == "author" else self._urls(value))
            for what, value in notices
        ]

    def file_names(self, names):
        """{name: name with people replaced} for the file and folder names that hold the
        handle, id or display name of someone the project knows: tools and people name
        a timeline after its account ("ana_example_timeline.jsonl",
        "feed-ana.bsky.social.json", "Ana Example/tweets.js"). Other names are left out."""
        named = [  # display names: earlier runs' (kept_names), then this run's, which win
            *((name, value) for value, kept in self.kept_names.items() for name in kept),
            *(pair for value, seen in self.originals.items() for pair in shown_names(seen, value)),
        ]
        shown = {" ".join(_FILE_NAME_WORD.findall(name.lower())): value for name, value in named}
        renamed = {}
        for name in names:
            safe = self._file_name(name, shown)
            if safe != name:
                renamed[name] = safe
        return renamed

    def _file_name(self, name, shown):
        words = [match.span() for match in _FILE_NAME_WORD.finditer(name)]
        spans = [  # every run of words within one folder or file name
            (words[first][0], words[last][1])
            for first in range(len(words))
            for last in range(first, min(first + FILE_NAME_MAX_WORDS, len(words)))
            if not {"/", "\\"} & set(name[words[first][0] : words[last][1]])
        ]
        taken = []  # the longest known parts first, not overlapping
        for start, end in sorted(spans, key=lambda span: span[0] - span[1]):
            if any(start < other_end and other_start < end for other_start, other_end, _ in taken):
                continue
            part = name[start:end].lower()
            value = (
                self._known_handle(part)
                or self._known_id(name[start:end])
                or shown.get(" ".join(_FILE_NAME_WORD.findall(part)))
            )
            if value:
                taken.append((start, end, value))
        for start, end, value in sorted(taken, reverse=True):
            name = name[:start] + value + name[end:]
        return name

    def _known_handle(self, handle):
        """The pseudonym of someone known in the project by this handle, on any platform."""
        if handle in FILE_WORDS or handle.isdigit() or is_pseudonym(handle):
            return None
        if did := _FILE_NAME_DID.fullmatch(handle):
            value = self._id_pseudonym("bluesky", "did:plc:" + did[1])
            return value if value in self.people else None
        for family in FILE_NAME_FAMILIES:
            value = self._directory.get(f"{family}:{handle}")
            if value is None:
                plain = family == "reddit" or (family == "mastodon" and "@" in handle)
                value = self._hash(family, handle if plain else "@" + handle)
                if value not in self.people:
                    continue
            return value
        return None

    def _known_id(self, identity):
        """The pseudonym of someone known in the project by this user id (as written: a
        YouTube channel id's case is its own), on any platform: tools name a timeline after
        the account's id too."""
        for family in FILE_NAME_FAMILIES:
            value = self._id_pseudonym(family, identity)
            if self.people.get(value):  # known by an id: not a handle that hashed alike
                return value
        return None

    # People

    def _person(self, family, person, local, names):
        seen = self._seen.get((family, person))
        if seen is None:
            seen = self._seen_before.get((family, person))
            if seen is not None:
                self._cache_person(family, person, seen)
        if seen is not None:
            result, handles, shown = seen
            name = person.display_name
            if name:  # back to a name seen before: the latest again
                original = self.originals.get(result.id)
                if original is None:  # saved and cleared since (a live collection's page)
                    self._record(result.id, family, person.id, person.handle, name)
                elif original["display_name"] != name:
                    went_by(original, name)
            local.update(handles)
            names.extend(self._names_of(result.id, shown))
            return result
        pid, handle = person.id, person.handle
        h = handle.lower().removeprefix("@") if handle else None
        cacheable = True  # the pseudonym does not depend on the directory
        if h and (family == "reddit" or (family == "mastodon" and "@" in h)):
            value = self._hash(family, h)
        elif pid:
            acct = _mastodon_acct(pid) if family == "mastodon" else None
            value = self._id_pseudonym(family, acct or pid)
            if h and family in ADOPTING_FAMILIES and value not in self.people:
                value = self._adopt_handle_pseudonym(family, pid, h) or value
        elif h:
            value = self._directory.get(f"{family}:{h}") or self._hash(family, "@" + h)
            cacheable = False
        else:
            return _NOBODY
        handles = ()  # (handle, pseudonym) pairs: a cached tuple is a third of a dict's size
        if h:
            handles = ((h, value),)
            if family == "mastodon":
                # Mastodon shows "@bo" in the text for bo@other.example; such a short
                # name is ambiguous across servers, so it stays out of the directory
                # for @mentions, and is known only as a bare handle, when distinctive.
                username = h.partition("@")[0]
                handles += ((username, value),)
                if _is_distinctive(username):
                    self._remember(BARE_ONLY, username, value)
            else:
                self._remember(family, h, value)
        local.update(handles)
        name = person.display_name
        self._record(value, family, pid, handle, name)
        # Every name they are known by, earlier ones too: a post may still use the name
        # its author went by before.
        shown = self._shown_names(value) if name else None
        names.extend(self._names_of(value, shown))
        # Not interned per pseudonym: such a table grows with every person ever seen,
        # and _seen already shares the Person between the posts of a frequent author.
        result = Person(id=value, handle=value)
        if cacheable:
            self._cache_person(family, person, (result, handles, shown))
        return result

    def _names_of(self, value, shown):
        """The (name, pseudonym) pairs to replace in a text for someone a post names:
        `shown`, found when the display name it gives was first seen, or, where it gives
        none (a mention), every name they are known by now (looked up at each sighting,
        not cached: they may have changed their name since)."""
        return self._shown_names(value) if shown is None else shown

    def _shown_names(self, value):
        """shown_names() of what this run has seen of someone, and the names earlier runs
        kept for them."""
        shown = shown_names(self.originals.get(value), value)
        kept = self.kept_names.get(value)
        if kept:
            shown = tuple(dict.fromkeys((*shown, *[(name, value) for name in kept])))
        return shown

    def _names_in_post(self, platform_id):
        return self._post_names.get(platform_id) or self._post_names_before.get(platform_id, ())

    def _keep_post_names(self, platform_id, names):
        # Two generations, as _seen: an original stays while its reposts may still come.
        if len(self._post_names) >= POST_NAMES_CACHE_SIZE:
            self._post_names_before = self._post_names
            self._post_names = {}
        self._post_names[platform_id] = names

    def _cache_person(self, family, person, seen):
        # Two generations: when the cache is full it becomes the older one, and whoever is
        # seen again from there moves back. Frequent authors stay; the rest of a million
        # posts' people (the long tail) drop out, so memory stays flat.
        if len(self._seen) >= PEOPLE_CACHE_SIZE:
            self._seen_before = self._seen
            self._seen = {}
        self._seen[family, person] = seen

    def _id_pseudonym(self, family, identity):
        return self.aliases.get(f"{family}:{identity}") or self._hash(family, identity)

    def _adopt_handle_pseudonym(self, family, pid, handle):
        """The pseudonym `handle` got before any id was known with it, now `pid`'s for good."""
        # Mentions and profile links record a handle-only person without a directory entry.
        earlier = self._directory.get(f"{family}:{handle}") or self._hash(family, "@" + handle)
        if self.people.get(earlier) is not False:  # unknown, or already someone's with an id
            return None
        self.aliases[f"{family}:{pid}"] = earlier
        return earlier

    def _remember(self, family, handle, value):
        entry = f"{family}:{handle}"
        if self._directory.get(entry) != value:
            self._directory[entry] = value
            if _is_distinctive(handle):
                self._bare[handle] = value

    def _record(self, value, family, pid, handle, display_name):
        if not self.people.get(value):
            self.people[value] = bool(pid)
        original = self.originals.get(value)
        if original is None:
            self.originals[value] = {
                "platform": family,
                "id": pid,
                "handle": handle,
                "display_name": display_name,
            }
            return
        # Keep the most complete and most recent details for re-identification.
        if pid:
            original["id"] = pid
        if handle:
            original["handle"] = handle
        went_by(original, display_name)

    def _handle(self, family, handle, local=None):
        """The pseudonym for a lower-cased handle seen without an id."""
        value = local.get(handle) if local else None
        if value is None:
            value = self._directory.get(f"{family}:{handle}")
        if value is None:
            plain = family == "reddit" or (family == "mastodon" and "@" in handle)
            value = self._hash(family, handle if plain else "@" + handle)
            if value not in self.people:
                self._record(value, family, None, handle, None)
        return value

    # Text

    def _text(self, text, family, local, names, home=None):
        if self.scrub_contacts:
            text, count = scrub_contacts(text)
            if count:
                self.stats.contacts_scrubbed += count
        text = self._urls(text)
        if "@" in text:
            pattern = _UNICODE_MENTIONS[0] if family == "youtube" else _MENTION
            text = pattern.sub(lambda match: self._mention(match, family, local, home), text)
        if "＠" in text:
            pattern = _UNICODE_MENTIONS[1] if family == "youtube" else _WIDE_MENTION
            text = pattern.sub(lambda match: self._mention(match, family, local, home), text)
        if "u/" in text or "/user/" in text:
            text = _REDDIT_MENTION.sub(
                lambda match: self._reddit_mention(match, family, local), text
            )
        if self._bare and self._mentions_known_handle(text):
            text = _TOKEN.sub(lambda match: self._bare_handle(match, family), text)
        # The longest first: "Ana Example" would leave the "PhD" of "Ana Example PhD".
        if len(names) > 1:
            names = sorted(names, key=lambda pair: -len(pair[0]))
        for name, value in names:
            # As written, or all in one case ("QUILLA MARROW"): cheaper than lowering
            # every text, and what people write.
            if name in text or name.lower() in text or name.upper() in text:
                pattern = rf"(?<!\w){re.escape(name)}(?!\w)"
                text, count = re.subn(pattern, value, text, flags=re.IGNORECASE)
                self.stats.mentions_replaced += count
        return text

    def _mentions_known_handle(self, text):
        ascii_text = text.lower().encode(errors="surrogatepass").translate(_HANDLE_BYTES)
        tokens = ascii_text.decode().split()
        # Without the full stops and dashes around them ("… thanks ana_ex.").
        return not self._bare.keys().isdisjoint(map(str.strip, tokens, repeat(".-")))

    def _mention(self, match, family, local, home=None):
        sign, user, domain = match.group(1, 2, 3)
        domain = domain or home
        # Also "@<pseudonym>.demo": where a handle ends at "." or "-" (X), a pass before
        # replaced the "fenna" of "@fenna.demo" only.
        if _PSEUDONYM.match(user):
            return match.group()
        rest = ""
        if domain:  # a fediverse address, whichever platform it is written on
            handle_family, handle = "mastodon", f"{user}@{domain}".lower()
        else:
            handle_family, handle = family, user
            whole = user.lower()
            if (
                family in WORD_HANDLES
                and ("." in user or "-" in user)
                # unless the post names them so, or the project knows them so (some
                # fediverse servers allow "quilla-marrow" or "quilla.marrow")
                and not (local and whole in local)
                and f"{family}:{whole}" not in self._directory
            ):
                end = _WORD_HANDLE.match(user).end()
                handle, rest = user[:end], user[end:]
            handle = handle.lower()
        self.stats.mentions_replaced += 1
        return sign + self._handle(handle_family, handle, local) + rest

    def _reddit_mention(self, match, family, local):
        handle = match.group(2).lower()
        self.stats.mentions_replaced += 1
        value = self._handle("reddit", handle, local if family == "reddit" else None)
        return match.group(1) + value

    def _bare_handle(self, match, family):
        token = match.group()
        handle = token.lower()
        value = self._bare.get(handle)
        if value is None:
            return token
        self.stats.mentions_replaced += 1
        # The same handle may name different people on different platforms.
        return self._directory.get(f"{family}:{handle}", value)

    # URLs and URIs

    def _urls(self, value):
        # Each pattern runs only when a substring check says it can match: most values
        # need none, and a Bluesky URI only the DID pass. Checks share a common part
        # ("/u" for /users/, /u/ and Reddit's forms) so a long text is scanned less often.
        if value.startswith(X_POST_URL) and value[len(X_POST_URL) :].isdigit():
            return value  # every X post's own link: it names no one
        if value.startswith(("at://did:plc:", "https://bsky.app/profile/did:plc:")) and (
            record := _RECORD_URI.fullmatch(value)
        ):
            self.stats.urls_rewritten += 1
            return record[1] + self._hash("bluesky", "did:plc:" + record[2]) + (record[3] or "")
        if "did:" in value or "did%3" in value:
            value = _DID.sub(self._did, value)
        if "tg-user:" in value:  # written by platforms.telegram, in lower case
            value = _TELEGRAM_USER.sub(self._telegram_user, value)
        if "%2" in value and ("%2f" in value.lower() or "%252f" in value.lower()):
            value = _ENCODED_URL.sub(self._encoded_url, value)
        if ".bsky.social" in value:
            value = _BSKY_SOCIAL_HANDLE.sub(self._bsky_social_handle, value)
        # Lowered once here, for every check below: a host in capitals is the same host
        # (fenna-demo.TUMBLR.com, Fenna-Demo.Tumblr.Com/post/1 kept the blog's name).
        low = value.lower()
        if ".tumblr.com" in low:  # a blog's host, also written without a path
            value = _TUMBLR_BLOG_HOST.sub(self._tumblr_blog_host, value)
            low = value.lower()
        # No link but Twitch's player, which is linked without any "/" too
        # (player.twitch.tv?channel=<name>, read with the other Twitch links below).
        if "/" not in value and "twitch.tv?" not in low:
            return value
        if "/%40" in value:
            # A profile link with its "@" percent-encoded (host/%40name, as URL builders and
            # some apps' share links write it) is the same link, and kept with the "@";
            # so is a remote account's second one (host/%40name%40server), or its server
            # stayed and the name was taken for the host's.
            value = _ENCODED_SERVER.sub(r"\1@", value.replace("/%40", "/@"))
            low = value.lower()
        if "/@" in low:
            if "youtube.com/@" in low:
                value = _YOUTUBE_HANDLE_URL.sub(
                    lambda match: self._handle_url(match, "youtube"), value
                )
                if "music.youtube.com/@" in low:
                    value = _YOUTUBE_MUSIC_HANDLE_URL.sub(self._youtube_music_url, value)
            value = _FEDIVERSE_URL.sub(self._fediverse_url, value)
        if "/u" in low:
            if "/users/" in low:
                value = _ACTIVITYPUB_URL.sub(self._activitypub_url, value)
            if "reddit.com/u" in low or "/r/u_" in low:
                value = _REDDIT_URL.sub(lambda match: self._handle_url(match, "reddit"), value)
            if "/u/" in low:
                value = _LEMMY_URL.sub(self._fediverse_path_url, value)
        if "x.com/" in low or "twitter.com/" in low:
            if "/i/user/" in low:
                value = _X_USER_ID_URL.sub(lambda match: self._id_url(match, "x"), value)
            if "=" in low and ("screen_name=" in low or "user_id=" in low):
                value = _X_INTENT.sub(self._x_intent, value)
            value = _X_URL.sub(lambda match: self._handle_url(match, "x"), value)
            if (
                "xtwitter.com/" in low  # fxtwitter, vxtwitter
                or "fixupx.com/" in low
                or "fixvx.com/" in low
                or low.count("x.com/") + low.count("twitter.com/")
                != value.count("x.com/") + value.count("twitter.com/")  # in capitals
            ):
                value = _ANY_X_URL.sub(lambda match: self._handle_url(match, "x"), value)
        if "youtube.com/" in low:
            value = _YOUTUBE_CHANNEL_URL.sub(lambda match: self._id_url(match, "youtube"), value)
            value = _YOUTUBE_NAME_URL.sub(lambda match: self._handle_url(match, "youtube"), value)
        if "/p" in low:
            # "in" first: most values have none, and counting twice costs more.
            if "/profile/" in low and low.count("/profile/") > low.count("/profile/user-"):
                value = _PROFILE_URL.sub(self._profile_url, value)
            if "/p/" in low:
                value = _PIXELFED_URL.sub(self._fediverse_path_url, value)
        if "at://" in low and low.count("at://") > low.count("at://user-"):
            value = _AT_URI.sub(lambda match: self._handle_url(match, "bluesky"), value)
        if (
            ".com/" in low
            or ".me/" in low
            or "twitch.tv" in low  # also player.twitch.tv?channel=, without "/"
            or ".ru/" in low
            or "nitter." in low
            or "tg://" in low
            or "pinterest." in low
            or "instagr.am/" in low
            or "telegram.dog/" in low
        ):
            value = self._rarer_urls(value, low)
        return value

    def _rarer_urls(self, value, low):
        if "nitter." in low:
            value = _NITTER_URL.sub(lambda match: self._handle_url(match, "x"), value)
        if (
            "instagram.com/" in low
            or "instagr.am/" in low
            or "t.me/" in low
            or "telegram.me/" in low
            or "telegram.dog/" in low
            or "twitch.tv/" in low
        ):
            value = _NAME_FIRST_URL.sub(self._name_first_url, value)
        if "player.twitch.tv" in low or "embed.twitch.tv" in low or "clips.twitch.tv" in low:
            value = _TWITCH_PLAYER_QUERY.sub(self._twitch_player_query, value)
            if "clips.twitch.tv/" in low:
                value = _TWITCH_CLIP_URL.sub(self._twitch_clip_url, value)
        if "facebook.com/" in low or "fb.com/" in low:
            if "profile.php" in low or "people/" in low or "/user/" in low:
                value = _FACEBOOK_ID.sub(self._facebook_id, value)
            value = _NAME_FIRST_URL.sub(self._name_first_url, value)
        if "vk.com/" in low or "vk.ru/" in low or "vkontakte.ru/" in low or "vk.me/" in low:
            value = _NAME_FIRST_URL.sub(self._name_first_url, value)
            if "#/" in value or "#!/" in value:
                value = _VK_OLD_PATH.sub(self._name_first_url, value)
            if "?" in value or "#" in value:
                value = _VK_QUERY.sub(
                    lambda match: match[1] + _VK_PARAMETER.sub(self._vk_parameter, match[2]), value
                )
        if "linkedin.com/" in low:
            value = _LINKEDIN_URL.sub(self._linkedin_url, value)
            if "pub/dir" in low and "?" in low:
                value = _LINKEDIN_DIR_QUERY.sub(self._linkedin_directory_query, value)
            if "urn:li:" in low or "urn%3ali%3a" in low:
                value = _LINKEDIN_MEMBER_URN.sub(self._linkedin_member, value)
        if "tiktok.com/share/user/" in low:
            value = _TIKTOK_USER_ID_URL.sub(lambda match: self._id_url(match, "tiktok"), value)
        if "snapchat.com/add/" in low:
            value = _SNAPCHAT_ADD_URL.sub(lambda match: self._handle_url(match, "snapchat"), value)
        if "pinterest." in low:
            value = _PINTEREST_URL.sub(
                lambda match: self._name_first_url(match, "pinterest"), value
            )
        if "tumblr.com/" in low:
            value = _TUMBLR_URL.sub(lambda match: self._name_first_url(match, "tumblr"), value)
        if "tg://" in low:
            value = _TELEGRAM_RESOLVE.sub(lambda match: self._handle_url(match, "telegram"), value)
        return value

    def _did(self, match):
        plc = match["plc"]
        did = f"did:plc:{plc}" if plc else f"did:web:{match['web']}"
        self.stats.urls_rewritten += 1
        return self._hash("bluesky", did)

    def _handle_url(self, match, family, name=None):
        before, name = match[1], name or match[2]
        if is_pseudonym(name) or (family == "x" and name.lower() in X_RESERVED_PATHS):
            return match.group()
        self.stats.urls_rewritten += 1
        return before + self._handle(family, name.lower())

    def _twitch_player_query(self, match):
        query = _TWITCH_CHANNEL.sub(lambda channel: self._handle_url(channel, "twitch"), match[2])
        return match[1] + query

    def _twitch_clip_url(self, match):
        if match[2].lower() in TWITCH_CLIP_PATHS:
            return match.group()
        return self._handle_url(match, "twitch")

    def _encoded_url(self, match):
        link = match.group()
        if "/" in link:  # only the scheme encoded: the rest is read, and kept, as it is
            scheme = match[1] + match[2]
            rewritten = self._urls(match[1] + "://" + link[len(scheme) :])
            return scheme + rewritten[len(match[1]) + 3 :]
        inner = unquote(link)
        rewritten = self._urls(inner)
        if rewritten == inner:
            return link
        return quote(rewritten, safe=_URI_COMPONENT_SAFE)

    def _bsky_social_handle(self, match):
        handle = match.group().lower()
        if handle.partition(".")[0] in BSKY_SOCIAL_SITES:
            return match.group()
        self.stats.urls_rewritten += 1
        return self._handle("bluesky", handle)

    def _tumblr_blog_host(self, match):
        name = match[1]
        if is_pseudonym(name) or name.lower() in NOT_NAMES["tumblr"]:
            return match.group()
        left = _ESCAPE_REST_THEN_PSEUDONYM.fullmatch(name)
        if left:
            return left[1] + match[2]
        self.stats.urls_rewritten += 1
        return self._handle("tumblr", name.lower()) + match[2]

    def _vk_parameter(self, match):
        if match[1]:  # w=, z=: the things opened, each numbered by its owner
            opened = _VK_OPENED.sub(lambda thing: self._vk_person(thing[1], thing[2]), match[2])
            if "%" in opened:
                opened = _VK_ENCODED_PERSON.sub(
                    lambda person: self._vk_person(person[1], person[2]), opened
                )
            return match[1] + opened
        return self._vk_person(match[3], match[4])

    def _vk_person(self, before, number):
        self.stats.urls_rewritten += 1
        return before + self._handle("vk", f"id{number}")

    def _linkedin_url(self, match):
        # The name as LinkedIn shows it: "j%C3%B6rg-…" and "jörg-…" are one person.
        written = match[2] or match[3] or match[4]
        name = _linkedin_directory_name(written) if match[4] else unquote(written)
        if not name or is_pseudonym(name):
            return match.group()
        if match[4] and is_pseudonym(written.partition("/")[0]):
            # A pass before replaced the name searched for: what follows its pseudonym is
            # the place searched in (/pub/dir/<first>/<last>/nl-0-Netherlands), no name.
            return match.group()
        self.stats.urls_rewritten += 1
        before = match.group()[: len(match.group()) - len(written)]
        return before + self._handle("linkedin", name.lower())

    def _linkedin_member(self, match):
        if is_pseudonym(match[2]):
            return match.group()
        self.stats.urls_rewritten += 1
        return match[1] + self._handle("linkedin", match[2].lower())

    def _linkedin_directory_query(self, match):
        before, query = match.group(1, 2)
        # In any order: "first/last", as in the path.
        written = {
            parameter[2].lower(): parameter[3]
            for parameter in _LINKEDIN_DIR_PARAMETER.finditer(query)
        }
        name = _linkedin_directory_name(f"{written.get('first', '')}/{written.get('last', '')}")
        if not name or is_pseudonym(name):
            return match.group()
        self.stats.urls_rewritten += 1
        value = self._handle("linkedin", name.lower())
        # One pseudonym for the two names, as in the path: in the first one's place, the
        # other emptied.
        values = iter([value])
        return before + _LINKEDIN_DIR_PARAMETER.sub(
            lambda parameter: parameter[1] + next(values, ""), query
        )

    def _x_intent(self, match):
        if match[1].lower().endswith("user_id="):
            return self._id_url(match, "x")
        return self._handle_url(match, "x")

    def _facebook_id(self, match):
        self.stats.urls_rewritten += 1
        before = match[1]
        if match[2]:  # people/<their name>/: the name goes with the number
            before = before[: match.start(2) - match.start(1) + len(match[2])]
        return before + self._id_pseudonym("facebook", match[3])

    def _name_first_url(self, match, family=None):
        before, host, name = match.group(1, 2, 3)
        family = family or NAME_FIRST_HOSTS[host.lower()]
        dots = len(name) - len(name.rstrip("."))  # a full stop after the link
        name = name[: len(name) - dots]
        if (
            not name
            or is_pseudonym(name)
            or name.lower() in NOT_NAMES[family]
            or ("." in name and name.rpartition(".")[2].lower() in WEB_FILE_ENDINGS)
        ):
            return match.group()
        if family == "vk":
            if _VK_COMMUNITY.fullmatch(name.lower()):
                return match.group()
            if thing := _VK_THING.fullmatch(name.lower()):  # the owner is a person
                kind, owner, number = thing.groups()
                return self._vk_person(before + kind, owner) + number + "." * dots
        self.stats.urls_rewritten += 1
        return before + self._handle(family, name.lower()) + "." * dots

    def _profile_url(self, match):
        name = match[3]
        if is_pseudonym(name):
            return match.group()
        if "." not in name:
            # Not a Bluesky handle; Friendica's profiles are /profile/<user> too, but so
            # are other sites' pages: only a fediverse account the project knows goes.
            value = self._hash("mastodon", f"{name}@{match[2]}".lower())
            if value not in self.people:
                return match.group()
            self.stats.urls_rewritten += 1
            return match[1] + value
        return self._handle_url(match, "bluesky", name=name)

    def _fediverse_path_url(self, match):
        before, host, name = match.group(1, 2, 3)
        if is_pseudonym(name) or host.lower().endswith("reddit.com"):
            return match.group()
        self.stats.urls_rewritten += 1
        platform = _own_users(host)
        if platform:  # dashboard.twitch.tv/u/name is a Twitch user, not a Lemmy account
            return before + self._handle(platform, name.lower())
        return before + self._hash("mastodon", _activitypub_identity(host, name))

    def _telegram_user(self, match):
        # As the person's own messages name them: `from_id` "user<id>".
        self.stats.urls_rewritten += 1
        return self._hash("telegram", "user" + match[1])

    def _id_url(self, match, family):
        self.stats.urls_rewritten += 1
        identity = match[2]
        value = self._id_pseudonym(family, identity)
        # Recorded as seen by id: stored in this link, it must never change by adoption.
        self._record(value, family, identity, None, None)
        return match[1] + value

    def _fediverse_url(self, match):
        before, host, name = match.group(1, 2, 3)
        if is_pseudonym(name):
            return match.group()
        self.stats.urls_rewritten += 1
        platform = _own_users(host)
        if platform:  # youtube.com/@name is a YouTube handle, not a fediverse account
            return before + self._handle(platform, name.lower())
        acct = name if "@" in name else f"{name}@{_account_domain(host)}"
        return before + self._hash("mastodon", acct.lower())

    def _youtube_music_url(self, match):
        if match[3].isascii():
            return match.group()  # the fediverse pass's, as before
        left = _PSEUDONYM_THEN_REST.fullmatch(match[3])
        if left:
            return match[1] + left[1]
        return self._fediverse_url(match)

    def _activitypub_url(self, match):
        before, host, name = match.group(1, 2, 3)
        if is_pseudonym(name):
            return match.group()
        self.stats.urls_rewritten += 1
        return before + self._hash("mastodon", _activitypub_identity(host, name))

    def _link(self, link):
        url = self._urls(link.url)
        if self.scrub_contacts and ("@" in url or url[:4].lower() == "tel:"):  # mailto:, tel:
            url, count = scrub_contacts(url)
            self.stats.contacts_scrubbed += count
        # The domain anew: in at://<handle>/… (a Bluesky link) it is the person.
        return link if url == link.url else Link(url=url, domain=domain(url))

    def _media(self, media, family, local, names, home=None):
        url = self._urls(media.url) if media.url else media.url
        preview_url = self._urls(media.preview_url) if media.preview_url else media.preview_url
        alt_text = (
            self._text(media.alt_text, family, local, names, home)
            if media.alt_text
            else media.alt_text
        )
        if (url, preview_url, alt_text) == (media.url, media.preview_url, media.alt_text):
            return media
        return msgspec.structs.replace(media, url=url, preview_url=preview_url, alt_text=alt_text)

    # Values stored under earlier rules

    def again(self, value: str, part: str, platform: str = "", names=()) -> str:
        """`value`, stored under earlier rules, with today's applied (collect.reprotect).

        `part` is "url" (a post's id, its own or its parents' links, a media URL),
        "link" (a link in a post: its e-mail address or phone number goes too, when
        scrubbing) or "text" (a text or alt text of a post on `platform`, with the
        `names` of the people it names, shown_name()'s, replaced as an import does).
        """
        if part == "text":
            family, home = platform_family(platform), ACCOUNT_DOMAINS.get(platform)
            return self._text(value, family, {}, names, home)
        if part == "link":
            return self._link(Link(url=value, domain="")).url
        return self._urls(value)
