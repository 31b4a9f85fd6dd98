"""How long the privacy rules take on hostile texts: 100k characters built to make a rule
scan far for each possible start (a quadratic pattern takes seconds to minutes on them).

    .venv/bin/python benchmarks/bench_adversarial.py

Each input goes through contact scrubbing and through the URL and mention rules as a text
and as a URL (`Pseudonymiser.again`); the slowest of the three is printed. Linear rules
take milliseconds; anything near a second is a pattern to fix. Run by hand, never by CI.
"""

import time

from socialgood.privacy.pseudonyms import Pseudonymiser
from socialgood.privacy.scrub import scrub_contacts

INPUTS = {
    # contact scrubbing: every word may start an address or a profile link
    "a, run before an address": "a," * 50_000 + "ana@example.org",
    "(a run before an address": "(a" * 50_000 + "ana@example.org",
    ",a run before an address": ",a" * 50_000 + "ana@example.org",
    "digit groups": "12 34 " * 16_000,
    # URL rules: near-misses of a site's link, each a possible start
    "Twitch player without a channel": "/player.twitch.tv/?&" * 5_000,
    "Twitch player, no slash": "player.twitch.tv?channel=" * 4_000,
    "Twitch clips channel": "clips.twitch.tv?channel=" * 4_000,
    "Twitch player, encoded @": "www.player.twitch.tv/?channel=%40" * 3_000,
    "Twitch player, @": "player.twitch.tv/?channel=@" * 3_500,
    "Twitch player, @ encoded twice": "player.twitch.tv/?" + "channel=%2540" * 8_000,
    "Twitch player, many channels": "player.twitch.tv/?" + "&channel=" * 11_000,
    "VK old #/ links": "vk.com/#/" * 10_000,
    "VK messenger links": "vk.com/?" + "vk.me/" * 14_000,
    "Twitch clip embeds": "clips.twitch.tv/embed?clip=" * 4_000,
    "VK encoded query": "vk.com/feed?w=" + "%3Fid%3D" * 12_000,
    "VK after #": "vk.com/feed#id=" * 6_000,
    "VK many #": "vk.com/feed#" + "#id=" * 25_000,
    "VK links after a #": "#x " + "vk.com/" * 14_000,
    "VK second ?": "?w=wall1_2?id=" * 7_000,
    "VK links nested in a query": "vk.com/feed?a=" + "vk.com/&" * 12_000,
    "VK host inside a longer one": "vk.com/?" + "myvk.com/" * 11_000,
    "VK path to an &": "vk.com/" + "avk.com/" * 12_000,
    "Tumblr host in capitals": "a-" * 50_000 + ".TUMBLR.com",
    "Tumblr after %": "%fe" * 30_000 + "x.tumblr.com",
    "YouTube Music handles": "music.youtube.com/@é" * 5_000,
    "links with the scheme encoded": "https%3A%2F%2Fx.com/a" * 5_000,
    "mentions": "@a" * 50_000,
}


def slowest(pseudonymiser, text):
    times = []
    for work in (
        lambda: scrub_contacts(text),
        lambda: pseudonymiser.again(text, "text"),
        lambda: pseudonymiser.again(text, "url"),
    ):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return max(times)


def main():
    pseudonymiser = Pseudonymiser(b"benchmark key of 32 bytes ......")
    print(f"{'input':36} {'characters':>10} {'slowest s':>10}")
    for name, text in INPUTS.items():
        print(f"{name:36} {len(text):>10,} {slowest(pseudonymiser, text):>10.3f}")


if __name__ == "__main__":
    main()
