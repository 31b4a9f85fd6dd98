"""Import and re-import of one large Telegram one-to-one chat export.

One-to-one chats number their messages per account, so each message's key is settled
against what is stored (collect.ingest._telegram_keys): this measures what that costs.
The chat is synthetic (two invented people, 30% of messages replies) and written to
/tmp, never into the repository.

    .venv/bin/python benchmarks/bench_telegram.py [--messages 100000]
        [--databases sqlite,postgresql] [--pg-dsn "host=127.0.0.1 user=postgres"] [--repeat 2]

Each import is its own `socialgood import` process into a fresh data directory (or
PostgreSQL database), timed as bench_import.py times it; the re-import reads the same
file into the same project and must add nothing.
"""

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from bench_import import fresh_env, timed


def write_chat(path, messages):
    # Written message by message: a benchmark holding the chat would make every import it
    # starts look as large (a forked child's peak memory counts the parent's pages).
    rng = random.Random(1)
    moment = 1_700_000_000
    with path.open("w") as out:
        out.write('{"name": "Helpline", "type": "personal_chat", "id": 700700700, "messages": [\n')
        for number in range(1, messages + 1):
            moment += rng.randint(5, 600)
            sender = rng.choice([("Ana Example", "user111"), ("Helpline", "user700700700")])
            item = {
                "id": number, "type": "message", "date": "2023-11-14T22:13:20",
                "date_unixtime": str(moment), "from": sender[0], "from_id": sender[1],
                "text": f"message {number} about #respite and care",
                "text_entities": [{"type": "plain", "text": f"message {number} about "},
                                  {"type": "hashtag", "text": "#respite"},
                                  {"type": "plain", "text": " and care"}],
            }  # fmt: skip
            if number > 1 and rng.random() < 0.3:
                item["reply_to_message_id"] = rng.randint(max(1, number - 50), number - 1)
            out.write(("" if number == 1 else ",\n") + json.dumps(item, indent=1))
        out.write("\n]}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--pg-dsn", default="host=127.0.0.1 port=5432 user=postgres")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="sgbench-telegram-")) / "result.json"
    write_chat(path, args.messages)
    print(f"{args.messages:,} messages, {path.stat().st_size / 1e6:.0f} MB")
    for database in args.databases.split(","):
        for _ in range(args.repeat):
            env = fresh_env(database, args.pg_dsn)
            command = [sys.executable, "-m", "socialgood.cli", "import", str(path)]
            command += ["--project", "bench"]
            first, again = timed(command, env), timed(command, env)
            print(
                f"{database:<10} import {first[0]:5.1f} s ({first[1]:.1f} CPU s, {first[2]:.0f} MB)"
                f"   re-import {again[0]:5.1f} s ({again[1]:.1f} CPU s)"
            )


if __name__ == "__main__":
    main()
