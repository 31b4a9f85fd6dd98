import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialgood.privacy.scrub import scrub_contacts


@pytest.mark.parametrize(
    "text, expected",
    [
        ("write to ana.example@example.org.", "write to [email]."),
        ("Email:ana@example.org", "Email:[email]"),
        ("mailto:bo+care@mail.example.co.uk", "mailto:[email]"),
        ("call +44 20 7946 0958 today", "call [phone] today"),
        ("US: +1 (555) 123-4567", "US: [phone]"),
        ("+4915112345678", "[phone]"),
        ("mobile 0612345678", "mobile [phone]"),
        ("06 12 34 56 78 ou 06.12.34.56.78", "[phone] ou [phone]"),
        ("Berlin (030) 1234567", "Berlin [phone]"),
        ("from abroad 0044 20 7946 0958", "from abroad [phone]"),
        ("+44 (0)20 7946 0958", "[phone]"),
        ("(555) 123-4567 or 555.123.4567", "[phone] or [phone]"),
        ("helpline 1-800-555-0199", "helpline [phone]"),
        ("on 2026-01-31 call 0612345678", "on 2026-01-31 call [phone]"),
        ("+49 30 1234567 0612345678", "[phone] [phone]"),
        ("or TEL:+442079460959, or tel:020-7946-0958", "or TEL:[phone], or tel:[phone]"),
        ("zoë.example@müller.de and ana@例え.jp", "[email] and [email]"),
        (
            "https://example.org/r?email=ana@example.org&x=1",
            "https://example.org/r?email=[email]&x=1",
        ),
        (
            "https://example.org/invite/ana.example@example.org",
            "https://example.org/invite/[email]",
        ),
        # "/" may end a local part; only a host name before it makes a profile link.
        ("fenna/@example.org and fenna/demo@example.org", "[email] and [email]"),
        # Like a profile link, but its name or path is not what the URL rules replace
        # whole: taken as an address, so nothing of the name is left.
        ("threads.net/@zoë.müller and example.org/people/@fenna.demo", "[email] and [email]"),
        # Written so that scrapers miss them, as people do in public posts.
        (
            "DM me or ana.example (at) example.org, bo [at] mail [dot] example [dot] com.",
            "DM me or [email], [email].",
        ),
        ("Kontakt: fenna.demo(AT)example(DOT)de", "Kontakt: [email]"),
    ],
)
def test_contacts_are_replaced(text, expected):
    scrubbed, count = scrub_contacts(text)
    assert scrubbed == expected
    assert count == expected.count("[email]") + expected.count("[phone]")


@pytest.mark.parametrize(
    "text",
    [
        "meet on 2026-01-31 at 10:30",
        "31.01.2026 12 00 and 01/31/2026",
        "from 10:30-12:00, 09:00:15",
        "in 2026, 1999 and 2030",
        "version 10.0.19041.1234 and v1.2.3",
        "costs $1,234,567.89 or 1 234 567 890 EUR",
        "ISBN 0-306-40615-2 and ISBN-13: 978-3-16-148410-0",
        "https://x.com/ana/status/1234567890123456789",
        "tweet 1234567890123456789 and id=0612345678",
        "192.168.100.200 and 10.0.0.1",
        "p = 0.5, 0.25 0.125 0.0625",
        "follow @ana@mastodon.social",
        "profile https://mastodon.social/@ana.example",
        # Profile links without a scheme, whose names the pseudonymiser replaces.
        "threads.net/@fenna.demo, medium.com/@fenna.demo and mastodon.example/@fenna.demo",
        "www.tiktok.com/embed/@fenna.demo, (fedi.example/web/@fenna.demo@other.example)",
        "#covid19 ana_2026 room 101",
        "meet us (at) noon, the cafe [at] the corner, see example.org",
    ],
)
def test_things_that_only_look_like_contacts_survive(text):
    assert scrub_contacts(text) == (text, 0)


# Prose with digits, separators and the odd "@", where contacts may form by chance.
contact_like_text = st.text(alphabet="0123456789 +-.()@:/abcxyz\n", max_size=80)


@given(st.one_of(contact_like_text, st.text(max_size=80)))
def test_scrubbing_is_idempotent(text):
    once, _ = scrub_contacts(text)
    assert scrub_contacts(once) == (once, 0)


@given(st.text(alphabet=st.characters(exclude_characters="0123456789@")))
def test_text_without_digits_or_at_signs_is_untouched(text):
    assert scrub_contacts(text) == (text, 0)


words = st.lists(st.sampled_from(["write", "to", "me", "at", "or", "thanks!", "(home)"]))


@given(words, st.emails(), words)
def test_generated_email_addresses_are_always_removed(before, email, after):
    text = " ".join([*before, email, *after])
    scrubbed, count = scrub_contacts(text)
    assert email not in scrubbed
    assert "[email]" in scrubbed and count == 1


@given(
    st.dates().map(lambda day: day.isoformat()),
    st.times().map(lambda time: time.strftime("%H:%M")),
    words,
)
def test_dates_and_times_survive(day, time, filler):
    text = " ".join([*filler, day, "at", time, *filler])
    assert scrub_contacts(text) == (text, 0)


@pytest.mark.parametrize("run", ["a,", "(a", ",a"])
def test_an_address_after_a_long_run_of_punctuated_words_is_scrubbed(run):
    # Every word of the run may start an address: each once scanned to the "@" for a
    # profile link (host/@name), 100k characters took minutes (benchmarks/
    # bench_adversarial.py times such inputs).
    text = run * 50_000 + "ana@example.org"
    scrubbed, count = scrub_contacts(text)
    assert scrubbed.endswith("[email]") and "example.org" not in scrubbed and count == 1
