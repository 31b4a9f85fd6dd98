"""Analyses as jobs on known posts: words, concordance, sentiment, topics, networks and their files."""

import io
from datetime import UTC, datetime

import networkx as nx
import pytest
from django.core.files.storage import default_storage
from django.test import Client

from socialgood.analyze import networks
from socialgood.analyze.analyses import build_network
from socialgood.analyze.models import PostTopic, TopicModel
from socialgood.jobs.models import Job
from socialgood.projects.models import AuditEvent
from tests.analyze.conftest import make_post
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def run(world, job_kind, **params):
    """Start a job as the page does and run it here (no worker needed inside one transaction)."""
    job = Job.start(job_kind, title=job_kind, project=world.project, user=world.analyst,
                    params={"filters": {}, "label": "All posts", **params})  # fmt: skip
    job.run()
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    return job


def client_for(world, role="analyst"):
    client = Client()
    client.login(username=world.user(role).username, password=PASSWORD)
    return client


def test_word_counts_remove_stop_words_per_language(world, sample):
    result = run(world, "analyze.words").result
    top = dict(result["top"])
    assert top["#carers"] == 5 and top["respite"] == 2 and top["care"] == 2
    assert "the" not in top and "brauchen" in top and "my" not in top
    assert result["posts"] == 6 and dict(result["languages"]) == {"en": 5, "de": 1}
    bigrams = dict(run(world, "analyze.words", n=2).result["top"])
    assert bigrams["respite care"] == 2


def test_words_page_starts_a_job_and_shows_its_result(world, sample):
    client = client_for(world)
    url = f"/p/{world.project.slug}/analyse/words/?hashtag=respite&n=2"
    response = client.post(url)
    assert response.status_code == 302
    job = Job.objects.get(kind="analyze.words")
    assert job.params == {
        "filters": {"hashtag": ["respite"]},
        "label": "hashtag: respite",
        "n": "2",
        "keep_stopwords": "",
    }
    assert "Waiting" in client.get(url).content.decode()
    job.run()
    page = client.get(url).content.decode()
    assert "<td>respite care</td>" in page and "kinship carers" in page
    assert client_for(world, "viewer").post(url).status_code == 403


def test_concordance_lists_every_hit_in_context(world, sample):
    response = client_for(world, "viewer").get(
        f"/p/{world.project.slug}/concordance/", {"keyword": "respite"}
    )
    lines = [(line["post"].pk, line["match"]) for line in response.context["lines"]]
    assert sorted(lines) == sorted(
        [
            (sample.p1.pk, "Respite"),
            (sample.p1.pk, "respite"),
            (sample.p2.pk, "respite"),
            (sample.p3.pk, "respite"),
        ]
    )
    concordance_url = f"/p/{world.project.slug}/concordance/"
    assert (
        client_for(world, "viewer")
        .get(concordance_url, {"keyword": "x", "format": "csv"})
        .status_code
        == 403
    )
    csv = client_for(world, "analyst").get(
        f"/p/{world.project.slug}/concordance/",
        {"keyword": "respite", "hashtag": "kinship", "format": "csv"},
    )
    assert csv.content.decode().splitlines() == [
        "post,left,keyword,right",
        f"{sample.p3.pk},Kinship carers need support #carers #kinship #,respite,",
    ]
    assert (
        AuditEvent.objects.filter(action="export.download", target="concordance.csv").count() == 1
    )


def test_sentiment_over_time_and_by_hashtag(world, sample):
    result = run(world, "analyze.sentiment", granularity="day").result
    days = {row["period"]: row for row in result["over_time"]}
    assert days["2024-03-03"]["negative"] == 1  # "terrible and exhausted"
    assert days["2024-03-01"]["positive"] >= 1  # "saved my week"
    assert result["english"] == 5 and result["posts"] == 6
    carers = next(row for row in result["by_hashtag"] if row["hashtag"] == "carers")
    assert carers["posts"] == 5
    page = (
        client_for(world, "viewer")
        .get(f"/p/{world.project.slug}/analyse/sentiment/")
        .content.decode()
    )
    assert "built for <strong>English</strong> social media" in page and "#carers" in page


def test_topics_are_found_stored_and_assigned(world, sample):
    project = world.project
    for i in range(12):
        make_post(project, "bluesky", f"at://did:plc:t/app.bsky.feed.post/f{i}", f"2024-04-0{1 + i % 9} 10:00",
                  "user-eve", f"food bank queue longer, food bank shelves empty {i}", lang="en")  # fmt: skip
        make_post(project, "bluesky", f"at://did:plc:t/app.bsky.feed.post/d{i}", f"2024-04-0{1 + i % 9} 11:00",
                  "user-fay", f"dementia diagnosis mum dementia memory clinic {i}", lang="en")  # fmt: skip
    job = run(world, "analyze.topics", k="2")
    model = TopicModel.objects.get(pk=job.result["topic_model"])
    labels = sorted(" ".join(w for w, _ in t["words"][:2]) for t in model.topics)
    assert any("food" in label or "bank" in label for label in labels)
    assert any("dementia" in label for label in labels)
    food_topic = next(t["number"] for t in model.topics if "food" in dict(t["words"]))
    food_posts = PostTopic.objects.filter(topic_model=model, topic=food_topic).values_list(
        "post__author", flat=True
    )
    assert set(food_posts) == {"user-eve"} and len(food_posts) == 12
    page = (
        client_for(world, "viewer").get(f"/p/{project.slug}/analyse/topics/?k=2").content.decode()
    )
    assert "Topic 1:" in page and "Most representative posts" in page
    posts_page = client_for(world, "viewer").get(
        f"/p/{project.slug}/topics/{model.pk}/{food_topic}/"
    )
    assert len(posts_page.context["rows"]) == 12


def test_too_few_posts_for_topics_is_explained(world, sample):
    job = Job.start(
        "analyze.topics", title="t", project=world.project, params={"filters": {}, "k": "5"}
    )
    job.run()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "at least 10 posts" in job.message


def test_hashtag_cooccurrence_edge_weights(world, sample):
    graph = build_network(world.project, world.project.posts.all(), "hashtags")
    weights = {tuple(sorted((a, b))): d["weight"] for a, b, d in graph.edges(data=True)}
    assert weights == {
        ("carers", "respite"): 2,
        ("carers", "kinship"): 1,
        ("kinship", "respite"): 1,
        ("carers", "pflege"): 1,
    }
    assert graph.nodes["carers"]["posts"] == 5


def test_mention_reply_and_bipartite_networks(world, sample):
    posts = world.project.posts.all()
    mentions = build_network(world.project, posts, "mentions")
    assert list(mentions.edges(data="weight")) == [("user-ben", "user-ann", 1)]
    replies = build_network(world.project, posts, "replies")
    assert sorted(replies.edges(data="weight")) == [
        ("user-ben", "user-ann", 1),
        ("user-ben", "user-ben", 1),
    ]
    bipartite = build_network(world.project, posts, "author_hashtag")
    assert bipartite["@user-ann"]["#carers"]["weight"] == 2
    assert nx.is_bipartite(bipartite)


def test_communities_split_two_separate_groups():
    graph = networks.cooccurrence(
        [["a", "b"], ["b", "c"], ["a", "c"], ["x", "y"], ["y", "z"], ["x", "z"]]
    )
    assert networks.add_communities(graph) == 2
    assert (
        graph.nodes["a"]["community"]
        == graph.nodes["c"]["community"]
        != graph.nodes["x"]["community"]
    )


def test_network_job_writes_gephi_files_and_a_drawing(world, sample):
    job = run(world, "analyze.network", network="hashtags")
    assert job.result["nodes"] == 4 and job.result["edges"] == 4
    assert job.result["top_edges"][0] == {"source": "carers", "target": "respite", "weight": 2}
    with default_storage.open(job.result["files"]["gexf"]) as handle:
        gexf = nx.read_gexf(io.BytesIO(handle.read()))
    assert gexf["carers"]["respite"]["weight"] == 2
    with default_storage.open(job.result["files"]["graphml"]) as handle:
        graphml = nx.read_graphml(io.BytesIO(handle.read()))
    assert graphml.nodes["kinship"]["community"] in (1, 2)
    client = client_for(world)
    page = client.get(f"/p/{world.project.slug}/analyse/network/?network=hashtags").content.decode()
    assert (
        '<svg role="img"' in page and "<title>carers</title>" in page and "<td>carers</td>" in page
    )
    download = client.get(f"/p/{world.project.slug}/networks/{job.pk}.graphml")
    assert download.status_code == 200 and b"<graphml" in b"".join(download.streaming_content)
    assert AuditEvent.objects.filter(action="export.download", target="network.graphml").exists()
    assert (
        client_for(world, "viewer")
        .get(f"/p/{world.project.slug}/networks/{job.pk}.gexf")
        .status_code
        == 403
    )


def test_analysis_and_topic_model_times_say_their_time_zone(world, sample):
    moment = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)
    client = client_for(world)
    url = f"/p/{world.project.slug}/analyse/words/"
    client.post(url)
    Job.objects.filter(kind="analyze.words").update(created_at=moment)
    assert "started 27 Nov 2026 14:05 UTC by arun" in client.get(url).content.decode()

    model = TopicModel.objects.create(
        project=world.project,
        k=1,
        topics=[{"number": 1, "label": "care", "words": [["care", 1.0]], "posts": 0}],
        created_at=moment,
    )
    page = client.get(f"/p/{world.project.slug}/topics/{model.pk}/1/").content.decode()
    assert "Model of 27 Nov 2026 14:05 UTC." in page
