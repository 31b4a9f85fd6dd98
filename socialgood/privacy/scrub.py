"""Remove e-mail addresses and phone numbers from free text.

People post their own and others' contact details ("DM me or call 0612 345 678"),
and in the populations we study that is a direct identifier. The importer runs
`scrub_contacts` on post text and alt text before storage (on by default) and
counts the replacements for the import report.

**E-mail addresses** (`[email]`): the RFC 5322 dot-atom form, `local@domain.tld`,
with every character RFC 5322 allows in the local part and letters of any script
(`zoë@müller.de`), also inside a URL (`?email=…`), and written with "(at)" or "[at]"
(and "(dot)", "[dot]") to get past scrapers. Not matched: an `@` inside
a fediverse handle (`@ana@example.org` is a mention, pseudonymised elsewhere) and a
profile link such as `https://host/@ana.example` (the `://` rules it out), also
written without its scheme (`host/@ana.example`, `host/web/@…`, `host/embed/@…`: an
ASCII host name and "/" before the "@", an ASCII name after it; the link is
pseudonymised elsewhere). "/" may end a local part, but no one's address is a host
name and "/"; `ana/@example.org` is scrubbed.

**Phone numbers** (`[phone]`). Digits that look like a phone number also look like
dates, prices, ids, versions and statistics, so a run of digit groups (separated
by one space, `-` or `.`, or parentheses) counts as a phone number only when:

- it starts with `+` and has 8-15 digits (E.164), e.g. `+44 20 7946 0958`,
  `+1 (555) 123-4567`, `+4915112345678`; or
- it starts with a trunk `0` (most of Europe, the UK, Australia, ... and `00`
  international dialling) and has 9-15 digits, e.g. `0612345678`, `06 12 34 56 78`,
  `(030) 1234567`, `0044 20 7946 0958`; or
- it has the North American shape `(555) 123-4567`, `555-123-4567`, `555.123.4567`,
  `1-800-555-0199`;
- or it is a `tel:` link, whatever its shape.

and none of these hold: it overlaps a date (`2026-01-31`, `31.01.2026`), it has a
decimal like `0.5`, it is glued to letters, `/`, `=`, `#`, `&`, `%`, `_` or `-` (ids
in URLs, slugs, hashtags), it is followed by a decimal part (`,50`), or it directly
follows "ISBN". Times (`10:30`) never qualify because `:` is not a separator, and
years, versions (`10.0.19041`), IPv4 addresses and long platform ids fail the rules
above.

Known limits: national numbers without a trunk 0 and not in North American shape
are missed (Spanish `612 345 678`, unformatted `5551234567`); so are numbers
written with words or unusual separators (`/`, two spaces). A North-American-shaped
list of numbers (`300 200 1000`) is taken for a phone number. The scrubber lowers
exposure; it is no substitute for reading the data before sharing it.
"""

import re

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"

# Letters of any script: internationalised addresses (RFC 6531) like zoë@müller.de.
_LOCAL_CHAR = r"[\w!#$%&'*+\-/=?^`{|}~]"
_LABEL = r"[^\W_](?:[\w\-]*[^\W_])?"
_DOMAIN = rf"(?:{_LABEL}\.)+(?:[Xx][Nn]--[A-Za-z0-9\-]*[A-Za-z0-9]|[^\W\d_]{{2,63}})"
# A host name in a link, and what a profile link has between it and "@name" (host/@name;
# Mastodon's web app, host/web/@name; TikTok's embed, host/embed/@name). The
# pseudonymiser's URL rules, which run after scrubbing, read profile links with these.
URL_HOST = (
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+"
)
PROFILE_PATH = r"(?:/web|/embed)?/@"
# A profile link written without its scheme, threads.net/@ana.example, looks like an
# address whose local part ends in "/"; with a host name there, and a name of what links
# hold (ASCII), it is the link, whose name the URL rules replace whole.
_PROFILE_LINK = rf"{URL_HOST}{PROFILE_PATH}[A-Za-z0-9_.\-]*+(?!\w)"
_EMAIL = re.compile(
    # Start where the local part starts (not inside a longer run, not after the "@" of
    # a fediverse handle), not at the "//" of a URL and not at a profile link (only a
    # host name's characters and its path to "@", a cheap scan, are tried for one: a scan
    # to the next "@" from every start took minutes over 100k characters of "a,a,…").
    r"(?<![\w!#$%&'*+\-/=?^`{|}~.@])(?:(?<!:)|(?!/))"
    rf"(?!(?=[A-Za-z0-9.\-]*+{PROFILE_PATH}){_PROFILE_LINK})"
    rf"{_LOCAL_CHAR}+(?:\.{_LOCAL_CHAR}+)*@{_DOMAIN}"
)


def _in_brackets(word):
    return rf"[ \u00a0]*[\[(][ \u00a0]*(?i:{word})[ \u00a0]*[\])][ \u00a0]*"


# An address written so that scrapers miss it: "ana (at) example.org", "ana [at] mail
# [dot] example [dot] com". The brackets make it one ("at" alone is a word), and so does
# a domain after them ("meet us (at) noon").
_BRACKETED_AT = re.compile(r"[\[(][ \u00a0]*(?i:at)[ \u00a0]*[\])]")
_BRACKETED_EMAIL = re.compile(
    rf"(?<![\w.\-])[\w+\-]+(?:\.[\w+\-]+)*{_in_brackets('at')}"
    rf"(?:{_LABEL}(?:\.|{_in_brackets('dot')}))+[^\W\d_]{{2,63}}(?![\w\-])"
)
# Inside a URL (`?email=…`, `/invite/…`), where "/", "=" and "?" end the address.
_EMAIL_IN_URL = re.compile(rf"(?<=[=/:?&])[\w.!#$%'*+\-^`{{|}}~]+@{_DOMAIN}")
# A tel: link is a phone number whatever its shape.
_TEL_URI = re.compile(r"(?<!\w)(tel:(?://)?)\+?[0-9(][0-9()\-.%]*[0-9)]", re.IGNORECASE)

# A run of digit groups; which groups form a phone number is decided in code. Every
# separator is required (or a parenthesis), so a run splits into groups one way only
# and the pattern cannot backtrack badly.
_GROUP = r"(?:\([0-9]{1,4}\)|[0-9]+)"
_SEPARATOR = r"(?:[ \u00a0]?[-.][ \u00a0]?|[ \u00a0]|(?<=\))|(?=\())"
_RUN = re.compile(rf"\+?{_GROUP}(?:{_SEPARATOR}{_GROUP})*(?![\w/=#&%@\-]|[.,:][0-9])")
# Where a run may start: not inside a word, URL, id, decimal or time. A separate search
# because a pattern that starts with a character class is scanned much faster.
_RUN_START = re.compile(r"[+(0-9](?<![\w+/=#&%.,:@\-][+(0-9])")
_EMAIL_HINT = re.compile(r"@(?<=[\w!#$%&'*+\-/=?^`{|}~]@)")
_GROUP_IN_RUN = re.compile(r"\+?" + _GROUP)
_DATE = re.compile(
    r"(?<![0-9])(?:(?:19|20)[0-9]{2}[-./][0-9]{1,2}[-./][0-9]{1,2}"
    r"|[0-9]{1,2}[-./][0-9]{1,2}[-./](?:19|20)[0-9]{2})(?![0-9])"
)
_DECIMAL = re.compile(r"(?<![0-9])[0-9]\.[0-9]")
_NORTH_AMERICAN = re.compile(
    r"(?:1[ .\-]?)?(?:\([2-9][0-9]{2}\)[ \u00a0]?|[2-9][0-9]{2}[ .\-\u00a0])"
    r"[0-9]{3}[ .\-\u00a0][0-9]{4}"
)
_AFTER_ISBN = re.compile(r"isbn(?:[- ]?1[03])?:?[ \u00a0]*$", re.IGNORECASE)

SHORTEST_PHONE = 9  # characters: "+" and 8 digits, or 9 digits
MAX_GROUPS = 8
LONGEST_PHONE = 32  # characters, with separators: "+1 (555) 123-4567" and longer forms


def scrub_contacts(text: str) -> tuple[str, int]:
    """`text` with e-mail addresses and phone numbers replaced, and how many were replaced."""
    count = 0
    if _EMAIL_HINT.search(text):
        text, count = _EMAIL.subn(EMAIL_MARK, text)
        if "@" in text:
            text, more = _EMAIL_IN_URL.subn(EMAIL_MARK, text)
            count += more
    if ("(" in text or "[" in text) and _BRACKETED_AT.search(text):  # a quick test first
        text, more = _BRACKETED_EMAIL.subn(EMAIL_MARK, text)
        count += more
    if "tel:" in text or "TEL:" in text or "Tel:" in text:
        text, more = _TEL_URI.subn(r"\1" + PHONE_MARK, text)
        count += more
    pieces = []
    done = 0  # text[:done] is already in pieces
    position = 0
    while start := _RUN_START.search(text, position):
        run = _RUN.match(text, start.start())
        position = run.end() if run else start.end()
        if not run or run.end() - run.start() < SHORTEST_PHONE:
            continue
        for phone_start, phone_end in _phones_in_run(text, run):
            pieces += (text[done:phone_start], PHONE_MARK)
            done = phone_end
            count += 1
    if pieces:
        pieces.append(text[done:])
        text = "".join(pieces)
    return text, count


def _phones_in_run(text, run):
    """(start, end) of each phone number in a run, longest first, left to right."""
    groups = [(g.start(), g.end()) for g in _GROUP_IN_RUN.finditer(text, run.start(), run.end())]
    dates = [(d.start(), d.end()) for d in _DATE.finditer(text, run.start(), run.end())]
    i = 0
    while i < len(groups):
        for j in range(min(len(groups), i + MAX_GROUPS), i, -1):
            start, end = groups[i][0], groups[j - 1][1]
            if (
                end - start <= LONGEST_PHONE
                and not any(s < end and start < e for s, e in dates)
                and _is_phone(text[start:end], text[max(0, start - 16) : start])
            ):
                yield start, end
                i = j
                break
        else:
            i += 1


def _is_phone(candidate: str, before: str) -> bool:
    digits = sum(character.isdigit() for character in candidate)
    if candidate[0] == "+":
        return 8 <= digits <= 15
    if _DECIMAL.search(candidate) or _AFTER_ISBN.search(before):
        return False
    if candidate[0] == "0" or candidate.startswith("(0"):
        return 9 <= digits <= 15
    return _NORTH_AMERICAN.fullmatch(candidate) is not None
