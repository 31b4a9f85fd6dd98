"""The analyses as background jobs: words and n-grams, sentiment, topics, networks.

Each job's params are {"filters": <filter params, may name a subset>, "label": <what
people call this set of posts>, ...options}. Results go to Job.result (JSON) and, for
networks, files in storage; the analysis pages show the newest finished job for the
chosen posts and options. Posts are read in chunks with progress reports, so memory
stays flat and a cancel takes effect within one chunk.
"""

from collections import Counter, defaultdict
from datetime import UTC

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from socialgood.analyze import networks, sentiment, text, topics
from socialgood.analyze.figures import GRANULARITIES, period_label, truncate
from socialgood.analyze.filters import FilterError, posts_for
from socialgood.analyze.models import PostTopic, TopicModel
from socialgood.collect.ingest import batches
from socialgood.collect.models import Post, PostHashtag, PostMention
from socialgood.jobs.models import PermanentJobError

CHUNK = 5000
WORD_LIMIT = 200


def _posts(job):
    try:
        return posts_for(job.project, job.params.get("filters", {}))
    except FilterError as error:
        raise PermanentJobError(str(error)) from None


def _chunks(job, posts, *fields, message):
    """Chunks of value tuples, reporting progress after each."""
    total = posts.count()
    job.progress(0, total, message)
    done = 0
    rows = posts.order_by("id").values_list(*fields).iterator(chunk_size=CHUNK)
    for chunk in batches(rows, CHUNK):
        yield chunk
        done += len(chunk)
        job.progress(done, total)


def run_words(job):
    n = int(job.params.get("n", 1))
    if n not in (1, 2, 3):
        raise PermanentJobError("Count single words, pairs or triples of words (n = 1, 2 or 3).")
    keep = bool(job.params.get("keep_stopwords"))
    counts = Counter()
    languages = Counter()
    for chunk in _chunks(job, _posts(job), "text", "lang", message="Counting words"):
        counts.update(text.count_ngrams(((t, lang) for t, lang in chunk), n=n, keep_stopwords=keep))
        languages.update((lang or "unknown") for _, lang in chunk)
    return {
        "n": n,
        "keep_stopwords": keep,
        "posts": sum(languages.values()),
        "languages": languages.most_common(),
        "stopword_languages": text.stopword_languages(),
        "top": counts.most_common(WORD_LIMIT),
        "distinct": len(counts),
    }


def run_sentiment(job):
    granularity = job.params.get("granularity", "day")
    if granularity not in GRANULARITIES:
        raise PermanentJobError("Show sentiment per hour, day, week or month.")
    summary = sentiment.Summary()
    posts = _posts(job)
    for chunk in _chunks(job, posts, "id", "text", "lang", "created_at", message="Scoring posts"):
        tags = _grouped_tags([row[0] for row in chunk])
        for post_id, body, lang, created_at in chunk:
            moment = truncate(created_at.astimezone(UTC).replace(tzinfo=None), granularity)
            period = period_label(moment, granularity)
            summary.add(period, sentiment.score(body), tags[post_id], lang)
    return {"granularity": granularity, **summary.as_dict()}


def run_topics(job):
    k = int(job.params.get("k", 8))
    if not 2 <= k <= 40:
        raise PermanentJobError("Choose between 2 and 40 topics.")
    ids, texts, languages = [], [], Counter()
    for chunk in _chunks(job, _posts(job), "id", "text", "lang", message="Reading posts"):
        for post_id, body, lang in chunk:
            ids.append(post_id)
            texts.append(body)
            languages[(lang or "en").split("-")[0]] += 1
    job.progress(len(ids), len(ids), f"Finding {k} topics")
    # Stop words of every language that makes up at least 5% of the posts.
    common = [lang for lang, count in languages.items() if count >= 0.05 * max(len(ids), 1)]
    try:
        found, assignments = topics.fit_topics(texts, k, languages=common or ["en"])
    except topics.TooFewPosts as error:
        raise PermanentJobError(str(error)) from None
    for topic in found:
        topic["examples"] = [ids[i] for i in topic["examples"]]
    model = TopicModel.objects.create(
        project=job.project,
        job=job,
        params=job.params.get("filters", {}),
        subset_name=job.params.get("label", "")[:120],
        k=len(found),
        posts=len(ids),
        topics=found,
    )
    for chunk in batches(assignments, CHUNK):
        PostTopic.objects.bulk_create(
            PostTopic(topic_model=model, post_id=ids[i], topic=topic, weight=weight)
            for i, topic, weight in chunk
        )
    return {
        "topic_model": model.pk,
        "k": len(found),
        "posts": len(ids),
        "assigned": len(assignments),
    }


def build_network(project, posts, kind, progress=None):
    """The networkx graph of `kind` (see networks.KINDS) for a Post queryset."""
    post_ids = posts.values("id")
    if kind == "hashtags":
        rows = (
            PostHashtag.objects.filter(project=project, post_id__in=post_ids)
            .order_by("post_id")
            .values_list("post_id", "tag")
        )
        tag_sets = defaultdict(list)
        for post_id, tag in rows.iterator(chunk_size=CHUNK):
            tag_sets[post_id].append(tag)
        return networks.cooccurrence(tag_sets.values())
    if kind == "mentions":
        rows = PostMention.objects.filter(project=project, post_id__in=post_ids)
        return networks.person_links(
            rows.values_list("post__author", "person").iterator(chunk_size=CHUNK)
        )
    if kind == "replies":
        return networks.person_links(_reply_pairs(project, posts))
    if kind == "author_hashtag":
        rows = PostHashtag.objects.filter(project=project, post_id__in=post_ids)
        return networks.author_hashtag(
            rows.values_list("post__author", "tag").iterator(chunk_size=CHUNK)
        )
    raise FilterError(f"There is no network called “{kind}”.")


def _reply_pairs(project, posts):
    """(replying author, replied-to author) for replies whose parent is in the project."""
    replies = posts.filter(reply_to__isnull=False).values_list("author", "platform", "reply_to")
    for chunk in batches(replies.iterator(chunk_size=CHUNK), CHUNK):
        wanted = defaultdict(set)
        for _, platform, reply_to in chunk:
            wanted[platform].add(reply_to)
        author_of = {}
        for platform, parent_ids in wanted.items():
            # (project, platform, platform_id) is the unique index: one lookup per parent.
            parents = Post.objects.filter(
                project=project, platform=platform, platform_id__in=parent_ids
            ).values_list("platform_id", "author")
            author_of.update({(platform, pid): author for pid, author in parents})
        for author, platform, reply_to in chunk:
            parent_author = author_of.get((platform, reply_to))
            if parent_author:
                yield author, parent_author


def run_network(job):
    kind = job.params.get("network", "hashtags")
    if kind not in networks.KINDS:
        raise PermanentJobError(f"There is no network called “{kind}”.")
    job.progress(0, None, "Building the network")
    graph = build_network(job.project, _posts(job), kind)
    job.progress(1, 3, "Finding communities")
    communities = networks.add_communities(graph)
    job.progress(2, 3, "Drawing and writing files")
    title = f"{networks.KINDS[kind]}: {job.params.get('label', 'all posts')}"
    base = f"analyze/{job.project.pk}/network-{job.pk}"
    files = {
        "gexf": default_storage.save(f"{base}.gexf", ContentFile(networks.gexf_bytes(graph))),
        "graphml": default_storage.save(
            f"{base}.graphml", ContentFile(networks.graphml_bytes(graph))
        ),
        "svg": default_storage.save(
            f"{base}.svg", ContentFile(networks.draw_svg(graph, title=title).encode())
        ),
    }
    return {"kind": kind, "communities": communities, "files": files, **networks.summary(graph)}


def _grouped_tags(post_ids):
    tags = defaultdict(list)
    for post_id, tag in PostHashtag.objects.filter(post_id__in=post_ids).values_list(
        "post_id", "tag"
    ):
        tags[post_id].append(tag)
    return tags
