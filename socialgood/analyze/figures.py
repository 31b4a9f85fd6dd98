"""The dashboard's figures for a set of posts: volume over time and the top-N lists.

Each figure is a list of row dicts, so the page, the CSV download, the chart and the
API share one computation. For the whole project (`filtered` False) the counts come
from socialgood.collect.tallies, kept as posts are stored; a subset's are counted by query.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection
from django.db.models import CharField, Count, Max, Min, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from socialgood.analyze.filters import FilterError
from socialgood.collect import tallies
from socialgood.collect.models import PostHashtag, PostLink, PostMention

GRANULARITIES = ("hour", "day", "week", "month")
TOP_LIMIT = 20

# figure name -> (title, what a row counts, column of the label)
TOP_FIGURES = {
    "hashtags": ("Top hashtags", "Hashtag", "hashtag"),
    "mentions": ("Most mentioned people (pseudonyms)", "Person", "person"),
    "domains": ("Most linked web sites", "Domain", "domain"),
    "authors": ("Most active authors (pseudonyms)", "Author", "author"),
    "languages": ("Languages", "Language", "language"),
    "kinds": ("Kinds of post", "Kind", "kind"),
    "media": ("Media and alt text", "Posts", "category"),
}
FIGURES = ("volume", *TOP_FIGURES)


def figure_rows(
    name, project, posts, filtered, *, granularity="day", tz="UTC", limit=TOP_LIMIT, current=False
):
    """A figure's rows; for the whole project (`filtered` False) from the tallies kept at import.

    `current`: the caller has already run tallies.ensure_current(project) for this request.
    """
    if filtered:
        return compute(name, project, posts, granularity=granularity, tz=tz, limit=limit)
    if not current:
        tallies.ensure_current(project)
    if name == "volume":
        zone = _volume_options(granularity, tz)
        return volume_from_quarters(tallies.counts(project, "volume"), zone, granularity)
    if name == "media":
        counted = dict(tallies.counts(project, "media"))
        return _media_rows(counted.get("alt", 0), counted.get("media", 0), counted.get("text", 0))
    if name not in TOP_FIGURES:
        raise FilterError(f"There is no figure called “{name}”.")
    label = TOP_FIGURES[name][2]
    return [
        {label: value or "unknown", "posts": n} for value, n in tallies.counts(project, name, limit)
    ]


def volume_from_quarters(rows, zone, granularity):
    """Volume rows from tallied (UTC quarter hour + platform, posts): every UTC offset in use
    is a whole number of quarter hours, so each quarter falls in one local period."""
    counts = Counter()
    for value, n in rows:
        quarter, platform = value.rsplit(" ", 1)
        moment = datetime.fromisoformat(quarter).replace(tzinfo=UTC).astimezone(zone)
        counts[(truncate(moment.replace(tzinfo=None), granularity), platform)] += n
    return [
        {"period": period_label(moment, granularity), "platform": platform, "posts": n}
        for (moment, platform), n in sorted(counts.items())
    ]


def compute(name, project, posts, *, granularity="day", tz="UTC", limit=TOP_LIMIT):
    """A figure's rows counted by query, for any set of the project's posts."""
    if name == "volume":
        return volume(posts, granularity=granularity, tz=tz)
    if name == "media":
        return media_share(posts)
    if name not in TOP_FIGURES:
        raise FilterError(f"There is no figure called “{name}”.")
    return top(name, project, posts, limit=limit)


def top(name, project, posts, limit=TOP_LIMIT):
    """The `limit` most frequent values, as [{<label column>: value, "posts": n}]."""
    label = TOP_FIGURES[name][2]
    side = {"hashtags": (PostHashtag, "tag"), "mentions": (PostMention, "person"),
            "domains": (PostLink, "domain")}  # fmt: skip
    if name in side:
        model, column = side[name]
        rows = model.objects.filter(project=project, post_id__in=posts.values("id"))
        counts = rows.values(column).annotate(posts=Count("post_id", distinct=name == "domains"))
    elif name == "languages":
        # No language and an empty one are both "unknown", and sort alike on both databases.
        column = "language"
        counts = (
            posts.annotate(language=Coalesce("lang", Value("")))
            .values(column)
            .annotate(posts=Count("id"))
        )
    else:
        column = {"authors": "author", "kinds": "kind"}[name]
        counts = posts.values(column).annotate(posts=Count("id"))
    counts = counts.order_by("-posts", column)[:limit]
    return [{label: row[column] or "unknown", "posts": row["posts"]} for row in counts]


def media_share(posts):
    counts = posts.aggregate(
        total=Count("id"),
        media=Count("id", filter=Q(has_media=True)),
        alt=Count("id", filter=Q(has_media=True, has_alt_text=True)),
    )
    return _media_rows(
        counts["alt"], counts["media"] - counts["alt"], counts["total"] - counts["media"]
    )


def _media_rows(alt, media, text_only):
    return [
        {"category": "With media and alt text", "posts": alt},
        {"category": "With media, no alt text", "posts": media},
        {"category": "Text only", "posts": text_only},
    ]


def volume(posts, *, granularity="day", tz="UTC"):
    """Posts per period and platform, periods in the time zone `tz`: [{period, platform, posts}].

    Both databases bucket in SQL, so only one row per period and platform leaves the
    database. PostgreSQL truncates in the zone itself. SQLite has no time zones: each
    post is shifted by its zone's UTC offset at that moment (one CASE branch per
    daylight-saving change within the posts' time range), so 23:30 UTC counts for the
    next day in Berlin and 18:40 UTC for the next day in India (+05:30).
    """
    zone = _volume_options(granularity, tz)
    if connection.vendor == "postgresql":
        bucket = RawSQL(
            "date_trunc(%s, collect_post.created_at AT TIME ZONE %s)", [granularity, zone.key]
        )
    else:
        bucket = RawSQL(*_sqlite_bucket(posts, zone, granularity), output_field=CharField())
    rows = posts.annotate(bucket=bucket).values("bucket", "platform").annotate(n=Count("id"))
    counts = {}
    for row in rows:
        moment = row["bucket"]
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        counts[(moment, row["platform"])] = row["n"]
    return [
        {"period": period_label(moment, granularity), "platform": platform, "posts": n}
        for (moment, platform), n in sorted(counts.items())
    ]


def _volume_options(granularity, tz):
    """The time zone for `tz`, once both options are known to be valid."""
    if granularity not in GRANULARITIES:
        raise FilterError("Show volume per hour, day, week or month.")
    return time_zone(tz)


def _sqlite_bucket(posts, zone, granularity):
    """(SQL, params) for the local period of collect_post.created_at (stored as UTC text)."""
    offsets = _offsets(posts, zone)
    local, params = "collect_post.created_at", []
    if len(offsets) > 1:
        whens = []
        for (_, seconds), (change, _) in zip(offsets, offsets[1:], strict=False):
            whens.append("WHEN collect_post.created_at < %s THEN %s")
            params += [str(change.astimezone(UTC).replace(tzinfo=None)), seconds]
        params.append(offsets[-1][1])
        local = (
            f"datetime(collect_post.created_at, (CASE {' '.join(whens)} ELSE %s END) || ' seconds')"
        )
    elif offsets[0][1]:
        local, params = "datetime(collect_post.created_at, %s || ' seconds')", [offsets[0][1]]
    sql = {
        "hour": f"substr({local}, 1, 13) || ':00'",
        "day": f"substr({local}, 1, 10)",
        "week": f"date({local}, 'weekday 0', '-6 days')",
        "month": f"substr({local}, 1, 7) || '-01'",
    }[granularity]
    return sql, params


def _offsets(posts, zone):
    """[(start, UTC offset in seconds)] for the zone over the posts' time range; first start None."""
    first, last = posts.aggregate(first=Min("created_at"), last=Max("created_at")).values()
    if first is None:
        return [(None, 0)]

    def offset(moment):
        return int(moment.astimezone(zone).utcoffset().total_seconds())

    offsets = [(None, offset(first))]
    # Day by day, then hour by hour inside a day whose offset changed (a few times a year).
    day = first.replace(minute=0, second=0, microsecond=0)
    while day <= last:
        if offset(day + timedelta(days=1)) != offsets[-1][1]:
            for hour in range(1, 25):
                moment = day + timedelta(hours=hour)
                if offset(moment) != offsets[-1][1]:
                    offsets.append((moment, offset(moment)))
                    break
        day += timedelta(days=1)
    return offsets


def truncate(moment, granularity):
    """The start of the hour/day/week (Monday)/month holding a naive time."""
    if granularity == "hour":
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def time_zone(name):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise FilterError(
            f"“{name}” is not a time zone; use a name like Europe/Berlin or America/Chicago."
        ) from None


def period_label(moment, granularity):
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None)
    if granularity == "hour":
        return moment.strftime("%Y-%m-%d %H:00")
    if granularity == "month":
        return moment.strftime("%Y-%m")
    return moment.strftime("%Y-%m-%d")
