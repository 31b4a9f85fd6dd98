"""Which posts: the one filter behind the post browser, the API, subsets, analyses and exports.

    from socialgood.analyze.filters import posts_for

    posts = posts_for(project)                                   # every post
    posts = posts_for(project, {"hashtag": "carers", "q": "respite"})
    posts = posts_for(project, request.GET)                      # a page's or API query
    posts = posts_for(project, subset)                           # a saved Subset

`posts_for` returns an unordered Post queryset and raises FilterError (a message for
people) for input it cannot read. Parameters, each optional:

    q          full text (every word must occur; see socialgood.collect.search)
    hashtag    with or without "#", any case; repeat it to require several (AND)
    mention    pseudonym of a mentioned person; repeat for several (AND)
    author     pseudonym of the author; repeat for any of them (OR)
    platform, lang, kind     repeat for any of them (OR)
    since, until             YYYY-MM-DD (whole days, UTC) or an ISO 8601 date-time
    has_media, has_alt_text  "yes" or "no"
    import     id of an import run
    code       id of a code: posts coded with it; repeat (or "3,7") to require all of them
    code_any   ids of codes: posts coded with at least one of them
    not_code   ids of codes: posts coded with none of them
               (codes count as the project's agreed coding, as in the coding reports:
               accepted codings outside rounds and adjudicated ones, never suggestions)
    subset     id of a saved subset of the same project; further parameters narrow it

The same names are the query string of the post browser and of GET /api/projects/{slug}/posts,
so a view can be bookmarked, shared, saved as a subset or repeated through the API.
"""

import base64
import re
import unicodedata
from datetime import UTC, datetime, time, timedelta

import orjson
from django.db.models import Exists, OuterRef, Q, prefetch_related_objects

from socialgood.collect.models import PostHashtag, PostMention
from socialgood.collect.search import newest_first, search_posts

CODE_FIELDS = ("code", "code_any", "not_code")
LIST_FIELDS = ("hashtag", "mention", "author", "platform", "lang", "kind", *CODE_FIELDS)
TEXT_FIELDS = ("q", "since", "until", "has_media", "has_alt_text", "import", "subset")
FILTER_FIELDS = ("q", *LIST_FIELDS, *TEXT_FIELDS[1:])
KINDS = ("post", "reply", "quote", "repost", "comment")
SORTS = {"time": ("created_at", "id"), "engagement": ("engagement", "id")}
DEFAULT_LIMIT, MAX_LIMIT = 50, 500
SEPARATORS = re.compile(r"[\s,]+")
# A hashtag or mention on at least this many posts is "common" (see _having).
COMMON = 2000


class FilterError(ValueError):
    """A filter value that can't be used, with a message for the person who typed it."""


def clean_params(params):
    """The filter parameters in `params` (a QueryDict or dict) as a plain, normalised dict.

    Lists stay lists, single values are strings, empty values are dropped, so the result
    can be stored as a subset's JSON and turned back into a query string.
    """
    clean = {}
    for field in FILTER_FIELDS:
        values = _values(params, field)
        if field in LIST_FIELDS:
            # "carers, kinship" or "carers kinship" typed in one box are two values.
            values = [_normalise(field, v) for value in values for v in SEPARATORS.split(value)]
            values = list(dict.fromkeys(v for v in values if v))
            if values:
                clean[field] = values
        elif values and values[-1].strip():
            clean[field] = values[-1].strip()
    return clean


def posts_for(project, params_or_subset=None):
    """The project's posts chosen by a Subset or by filter parameters (see the module doc)."""
    from socialgood.analyze.models import Subset

    if isinstance(params_or_subset, Subset):
        if params_or_subset.project_id != project.pk:
            raise FilterError("That subset belongs to another project.")
        # Cleaned again: subsets saved before codes were lists hold "code" as one string.
        params = clean_params(params_or_subset.params)
        params.pop("subset", None)  # subsets are stored flat; never recurse
    else:
        params = clean_params(params_or_subset or {})
    posts = project.posts.all()

    if "subset" in params:
        subset = Subset.objects.filter(
            project=project, pk=_integer(params["subset"], "subset")
        ).first()
        if subset is None:
            raise FilterError("There is no saved subset with that number in this project.")
        posts = posts_for(project, subset)

    for tag in params.get("hashtag", []):
        posts = _having(posts, PostHashtag.objects.filter(project=project, tag=tag))
    for person in params.get("mention", []):
        posts = _having(posts, PostMention.objects.filter(project=project, person=person))
    for field, column in [
        ("author", "author"),
        ("platform", "platform"),
        ("lang", "lang"),
        ("kind", "kind"),
    ]:
        if params.get(field):
            posts = posts.filter(**{f"{column}__in": params[field]})
    if "since" in params:
        posts = posts.filter(created_at__gte=parse_moment(params["since"], "since"))
    if "until" in params:
        # A day includes all of that day; a moment includes posts made at that moment.
        until = parse_moment(params["until"], "until", end=True)
        lookup = "created_at__lt" if len(params["until"]) == 10 else "created_at__lte"
        posts = posts.filter(**{lookup: until})
    for field in ("has_media", "has_alt_text"):
        if field in params:
            posts = posts.filter(**{field: _yes_no(params[field], field)})
    if "import" in params:
        posts = posts.filter(import_run_id=_integer(params["import"], "import"))
    if any(field in params for field in CODE_FIELDS):
        posts = _coded(project, posts, params)
    if params.get("q"):
        posts = search_posts(posts, params["q"])
    return posts


def parse_moment(value, field, end=False):
    """A date (whole day in UTC; `end`: the start of the next day) or ISO date-time, aware."""
    value = str(value).strip()
    try:
        if len(value) == 10:
            day = datetime.combine(datetime.fromisoformat(value).date(), time(), UTC)
            return day + timedelta(days=1) if end else day
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(
            f"“{value}” is not a date for {field}: use YYYY-MM-DD, e.g. 2024-03-31."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


# -- keyset pagination -----------------------------------------------------------


def page_of(posts, *, sort="time", cursor=None, limit=None, prefetch=()):
    """One page of `posts`, newest (or most engaging) first: (list of posts, next cursor or None).

    `prefetch` names related rows to fetch for the page's posts (prefetch_related lookups).

    Keyset pagination: the cursor names the last post shown, and the next page starts
    strictly after it in (sort key, id) order, so pages stay fast and stable however deep
    one reads and while new posts arrive.
    """
    if sort not in SORTS:
        raise FilterError("Sort by “time” or “engagement”.")
    limit = parse_limit(limit)
    key, tiebreak = SORTS[sort]
    if cursor:
        value, last_id = decode_cursor(cursor, sort)
        posts = posts.filter(Q(**{f"{key}__lt": value}) | Q(**{key: value, "id__lt": last_id}))
    posts = posts.order_by(f"-{key}", f"-{tiebreak}")[: limit + 1]
    rows = newest_first(posts) if sort == "time" else list(posts)
    prefetch_related_objects(rows, *prefetch)
    next_cursor = encode_cursor(rows[limit - 1], sort) if len(rows) > limit else None
    return rows[:limit], next_cursor


def parse_limit(limit):
    if limit in (None, ""):
        return DEFAULT_LIMIT
    limit = _integer(limit, "limit")
    if not 1 <= limit <= MAX_LIMIT:
        raise FilterError(f"limit must be between 1 and {MAX_LIMIT}.")
    return limit


def encode_cursor(post, sort):
    key = SORTS[sort][0]
    value = getattr(post, key)
    value = value.isoformat() if key == "created_at" else value
    return base64.urlsafe_b64encode(orjson.dumps([sort, value, post.id])).decode().rstrip("=")


def decode_cursor(cursor, sort):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_sort, value, last_id = orjson.loads(base64.urlsafe_b64decode(padded))
        if cursor_sort != sort:
            raise ValueError
        if sort == "time":
            value = datetime.fromisoformat(value)
        return value, int(last_id)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise FilterError(
            "That page link is out of date or damaged; start again from the first page."
        ) from None


# -- helpers -------------------------------------------------------------------------


def _values(params, field):
    if hasattr(params, "getlist"):
        values = params.getlist(field)
    else:
        value = params.get(field)
        values = value if isinstance(value, list | tuple) else [] if value is None else [value]
    return [str(v) for v in values]


def _normalise(field, value):
    value = unicodedata.normalize("NFC", value.strip())
    if field == "hashtag":
        return value.lstrip("#").lower()
    if field in ("mention", "author"):
        return value.lstrip("@")
    return value.lower() if field in ("platform", "kind") else value


def _integer(value, field):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FilterError(f"{field} must be a whole number, not “{value}”.") from None


def _yes_no(value, field):
    value = str(value).lower()
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    raise FilterError(f"{field} must be “yes” or “no”.")


def _having(posts, rows):
    """Posts that have one of these side rows (a hashtag or mention), planned for speed.

    A rare value: collect its few post ids first (the (project, value) index). A common
    one: walk posts in page order and check each through the unique (post, value) index,
    which finds a page of matches after a few hundred posts instead of gathering
    hundreds of thousands of ids.
    """
    if rows[:COMMON].count() < COMMON:
        return posts.filter(id__in=rows.values("post_id"))
    return posts.filter(Exists(rows.filter(post_id=OuterRef("pk"))))


def _coded(project, posts, params):
    """Posts coded with all of `code`, at least one of `code_any` and none of `not_code`."""
    try:
        from socialgood.coding.exchange import exported_codings
        from socialgood.coding.models import Code
    except ImportError:
        raise FilterError("Filtering by code needs the coding module.") from None
    ids = {
        field: [_integer(value, field) for value in params.get(field, [])] for field in CODE_FIELDS
    }
    wanted = {i for field in CODE_FIELDS for i in ids[field]}
    known = set(Code.objects.filter(project=project, pk__in=wanted).values_list("pk", flat=True))
    if unknown := sorted(wanted - known):
        raise FilterError(
            f"There is no code with number {', '.join(map(str, unknown))} in this project."
        )
    if both := sorted(set(ids["code"]) & set(ids["not_code"])):
        raise FilterError(
            f"Code {', '.join(map(str, both))} is both required and excluded, so no post "
            "could match; remove it from one of the two."
        )
    agreed = exported_codings(project)
    for code_id in ids["code"]:
        posts = posts.filter(id__in=agreed.filter(code_id=code_id).values("post_id"))
    if ids["code_any"]:
        posts = posts.filter(id__in=agreed.filter(code_id__in=ids["code_any"]).values("post_id"))
    if ids["not_code"]:
        posts = posts.exclude(id__in=agreed.filter(code_id__in=ids["not_code"]).values("post_id"))
    return posts
