"""`socialgood demo` in a fresh data directory ends with a serving app showing its posts."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALGOOD_")}
    env["SOCIALGOOD_DATA_DIR"] = str(tmp_path / "data")  # SQLite, the embedded default
    process = subprocess.Popen(
        [sys.executable, "-m", "socialgood.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "is serving" in line:
            break
    output = "".join(lines)
    try:
        assert "is serving" in output, output
        yield port, output, tmp_path / "data"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_demo_serves_its_posts_to_the_demo_user(demo):
    port, output, data_dir = demo
    password = re.search(r"Log in as “demo” with password “([^”]+)”", output).group(1)
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    login_page = opener.open(base + "/login/").read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
    body = urllib.parse.urlencode(
        {"username": "demo", "password": password, "csrfmiddlewaretoken": csrf}
    )
    projects = opener.open(
        urllib.request.Request(
            base + "/login/", body.encode(), headers={"Referer": base + "/login/"}
        )
    )
    assert "Demo: caregiving and mental health" in projects.read().decode()
    overview = opener.open(base + "/p/demo/").read().decode()
    count = re.search(r"<dt>Posts</dt><dd><a [^>]+>([\d,]+)</a>", overview).group(1)
    assert int(count.replace(",", "")) >= 300
    for platform in ("bluesky", "mastodon", "reddit"):
        page = opener.open(base + f"/p/demo/posts/?platform={platform}").read().decode()
        assert f'class="post post-{platform}"' in page
    assert (Path(data_dir) / "socialgood.sqlite3").exists()
    assert (Path(data_dir) / "secret.key").stat().st_mode & 0o077 == 0


def test_rerunning_demo_reuses_the_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOCIALGOOD_")}
    env["SOCIALGOOD_DATA_DIR"] = str(tmp_path)
    run = [sys.executable, "-m", "socialgood.cli", "demo", "--no-serve"]
    first = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)
    second = subprocess.run(run, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "Imported" in first.stdout and "Reusing the demo project" in second.stdout
    password = re.search(r"password “([^”]+)”", first.stdout).group(1)
    assert f"password “{password}”" in second.stdout
