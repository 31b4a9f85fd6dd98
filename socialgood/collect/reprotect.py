"""Today's pseudonymisation rules, applied to the posts an earlier version stored.

    changes = reprotect(project)    # Changes(posts=412, links=37, ...)
    reprotect_projects(projects)    # [(project, Changes, or None: its key can't be read)]

The rules for links, @mentions and handles get better (new sites, new link shapes), but
a post keeps what the rules of its day left in the clear. `reprotect` goes through a
project's posts in chunks and passes what an import passes through those rules again
(`Pseudonymiser.again`): the post's id, its own and its parents' links, its text, its
links (their domain taken anew) and its media's URLs and alt text, and the ids of the
posts withdrawn from it (`Withdrawn`, so they stay out of later imports), and the file
names in its import records (named after someone it has come to know since); a Telegram
file's path goes when it is the file's own name (platforms.telegram keeps only the names
Telegram gives). E-mail addresses and phone numbers are scrubbed when the project has
that on. A post whose new id is another stored post's (imported again since) is merged
into that one.
Analyses, exports and other job results made from the earlier values are removed, as
when posts are deleted: they may hold what was replaced. Run by `socialgood reprotect`
and by data migrations when the rules change.

Display names are replaced as an import replaces them, the author's and the mentioned
people's in a post's text and alt texts, by the names kept, encrypted, to re-identify
them: the last one seen and the last 5 they went by before it. An older name than those,
or one no import recorded (kept only since earlier display names are), stays where an
earlier version left it. Authors, mentions and hashtags are stored as pseudonyms or tags,
which no rule changes. Documents imported from REFI-QDA projects never went through the rules,
and are left as they are.

A pseudonym already stored is never changed: some rules take the start of one for a
handle ("?screen_name=user-…", X's "@user-….abc"), so an edit that would touch one is
not made (such a rule still notes the person it took for one, who then appears in no
stored row). Running it twice changes nothing the second time.
"""

import re
from collections import defaultdict
from difflib import SequenceMatcher
from functools import partial
from itertools import accumulate
from os.path import commonprefix
from typing import NamedTuple

from django.db import connection, transaction

from socialgood.coding.models import DOCUMENT_PLATFORM, Coding, Memo, RoundUnit, UnitDone
from socialgood.coding.offsets import moved
from socialgood.collect import tallies
from socialgood.collect.imports import (
    QUOTED,
    members_named,
    project_pseudonymiser,
    renamed_in,
    save_directory,
)
from socialgood.collect.ingest import raw_payload_purpose
from socialgood.collect.models import ImportRun, Post, PostLink, PostMedia, PostMention, Withdrawn
from socialgood.platforms import telegram
from socialgood.platforms.normalise import domain
from socialgood.privacy import crypto
from socialgood.privacy.pseudonyms import DIGEST_CHARS, PREFIX
from socialgood.projects.governance import delete_post_ids, invalidate_derived, scrub_database
from socialgood.projects.models import AuditEvent

CHUNK = 2000
FIELDS = ("platform_id", "url", "reply_to", "quote_of", "repost_of", "thread_root", "text")
MEDIA_FIELDS = ("url", "preview_url", "alt_text")
STORED_PSEUDONYM = re.compile(rf"{PREFIX}[0-9a-f]{{{DIGEST_CHARS}}}")
# A word with the white space after it (or white space that starts a text).
WORD = re.compile(r"\s+|\S+\s*")


class Changes(NamedTuple):
    posts: int = 0
    links: int = 0
    media: int = 0
    withdrawn: int = 0  # ids of posts kept out of imports
    imports: int = 0  # import records whose file names named someone known now
    # Posts whose id, with today's rules, is another stored post's: the same post,
    # imported again under today's rules before this ran. Merged into that one (_merge).
    merged: int = 0
    domains: int = 0  # links whose domain changed: the dashboard counts domains
    # Analyses and job results (exports too) made since the first changed post was
    # stored: they may hold what was replaced, so they are removed, as when posts are
    # deleted (projects.governance.invalidate_derived).
    results_removed: int = 0

    @property
    def any(self):
        return (
            self.posts + self.links + self.media + self.withdrawn + self.imports + self.merged > 0
        )


def reprotect_projects(projects, audit_events=AuditEvent, progress=None):
    """[(project, what changed in it, or None when its key can't be read with this master
    key)]. The database is scrubbed once, after all of them: it is one index and one log
    for every project. `progress(project, posts checked, posts)` is called as it goes.

    A migration passes its own (historical) AuditEvent model: today's may have columns
    its database does not have yet.
    """
    done = []
    for project in projects:
        checked = None if progress is None else partial(progress, project)
        try:
            done.append((project, reprotect(project, audit_events, scrub=False, progress=checked)))
        except crypto.DecryptionError:
            done.append((project, None))
    if any(changes and changes.any for _, changes in done):
        scrub_database()
    return done


def reprotect(project, audit_events=AuditEvent, scrub=True, progress=None):
    """Apply today's rules to the project's stored posts; returns what changed.
    `progress(posts checked, posts)` is called after each chunk."""
    # With the names kept to re-identify people: replaced in texts and file names.
    pseudonymiser = project_pseudonymiser(project, with_kept_names=True)
    known = pseudonymiser.known
    changes = Changes()
    posts = Post.objects.filter(project=project).exclude(platform=DOCUMENT_PLATFORM)
    total = posts.count() if progress else 0
    posts = posts.order_by("pk").values_list("pk", "stored_at", "author", "platform", *FIELDS)
    last = checked = 0
    since = None  # when the earliest post changed was stored
    while rows := list(posts.filter(pk__gt=last)[:CHUNK]):
        last = rows[-1][0]
        chunk = [(pk, platform, *values) for pk, _, _, platform, *values in rows]
        names = _names_in(rows, pseudonymiser.kept_names)
        # A chunk's posts, their codings and the people met in them are stored together:
        # once a handle is a pseudonym, nothing would bring its person back.
        with transaction.atomic():
            more = _reprotect_chunk(project, pseudonymiser, chunk, names)
            changes = _sum(changes, more)
            if more.any:  # the chunk's earliest: a few results more may go, none fewer
                earliest = min(stored_at for _, stored_at, *_ in rows)
                since = earliest if since is None else min(since, earliest)
            if pseudonymiser.known > known:
                save_directory(project, pseudonymiser.document())
                pseudonymiser.saved()  # not merged again with the next save
                known = pseudonymiser.known
        if progress:
            checked += len(chunk)
            progress(checked, max(total, checked))  # posts imported meanwhile are checked too
    changes = changes._replace(
        withdrawn=_reprotect_withdrawn(project, pseudonymiser),
        imports=_reprotect_imports(project, pseudonymiser),
    )
    if changes.domains:
        tallies.rebuild(project)
    if since is not None:
        changes = changes._replace(results_removed=invalidate_derived(project, since))
    if changes.any:
        audit_events.objects.create(
            actor_name="system",
            project_id=project.pk,
            project_slug=project.slug,
            action="posts.reprotect",
            target="today's rules",
            details=changes._asdict(),
        )
        if scrub:  # the earlier values leave the search index and the database files too
            scrub_database()
    return changes


def _sum(changes, more):
    return Changes(*(a + b for a, b in zip(changes, more, strict=True)))


def _names_in(rows, kept):
    """{post id: the shown names of its author and the people it mentions}, as an import
    replaces them in its text and alt texts; `kept`: pseudonyms.kept_names()."""
    if not kept:
        return {}
    names = defaultdict(list)
    for pk, _, author, *_ in rows:
        if author in kept:
            names[pk].extend((name, author) for name in kept[author])
    mentions = PostMention.objects.filter(post_id__in=[row[0] for row in rows]).order_by()
    for pk, person in mentions.values_list("post_id", "person"):
        if person in kept:
            names[pk].extend((name, person) for name in kept[person])
    return names


def _reprotect_chunk(project, pseudonymiser, chunk, names):
    platforms = {}
    edited = {}  # post id -> the edits made to its text
    updates = {}  # post id -> {field: new value}
    for pk, platform, *values in chunk:
        platforms[pk] = platform
        changed = {}
        for field, value in zip(FIELDS, values, strict=True):
            part = "text" if field == "text" else "url"
            new, edits = _reprotected(value, pseudonymiser, part, platform, names.get(pk, ()))
            if edits:
                # Cut as ingest cuts them: a pseudonym may be longer than the handle.
                changed[field] = new[: Post._meta.get_field(field).max_length]
                if field == "text":
                    edited[pk] = edits
        if changed:
            updates[pk] = changed
    twins = _new_ids(project, chunk, updates)
    posts = _save(Post, updates)
    _move_codings(edited)
    links, domains = _reprotect_links(pseudonymiser, platforms)
    media = _reprotect_media(pseudonymiser, platforms, names)
    _merge(project, twins)
    return Changes(posts=posts, links=links, media=media, merged=len(twins), domains=domains)


def _new_ids(project, chunk, updates):
    """Let the posts take their new ids (`updates`' "platform_id"). A post whose new id
    another post holds is that post, imported again under today's rules before this
    ran: it keeps its id for now, and is merged into its twin (_merge). Returns
    {post id: its twin's}. A kept raw payload is bound to its post's id: it is encrypted
    again for the new one."""
    old_ids = {pk: (platform, platform_id) for pk, platform, platform_id, *_ in chunk}
    renamed = [pk for pk, changed in updates.items() if "platform_id" in changed]
    if not renamed:
        return {}
    new_ids = [updates[pk]["platform_id"] for pk in renamed]
    posts = Post.objects.filter(project=project)
    holders = posts.filter(platform_id__in=new_ids).values_list("platform", "platform_id", "pk")
    taken = {(platform, platform_id): pk for platform, platform_id, pk in holders}
    with_raw = posts.filter(pk__in=renamed, raw_encrypted__isnull=False)
    raws = dict(with_raw.values_list("pk", "raw_encrypted"))
    twins = {}
    for pk in renamed:
        platform, old = old_ids[pk]
        new = updates[pk]["platform_id"]
        if (platform, new) in taken:
            del updates[pk]["platform_id"]
            twins[pk] = taken[platform, new]
            continue
        taken[platform, new] = pk
        if pk in raws:
            key = project.secret_key
            try:
                raw = crypto.decrypt(key, bytes(raws[pk]), _raw_purpose(project, platform, old))
            except crypto.DecryptionError:
                # Bound to a longer id than the one stored (cut at 500 characters): it did
                # not open with the stored id before either, so it is left as it is.
                continue
            raw = crypto.encrypt(key, raw, _raw_purpose(project, platform, new))
            updates[pk]["raw_encrypted"] = raw
    return twins


def _merge(project, twins):
    """Merge each post of {post id: its twin's} into its twin, then delete it: its id
    still has the name in it. What people made of it goes to the twin: codings (their
    passages moved onto the twin's text, which may differ where an import replaced a
    display name), memos and places in coding rounds with what was done there (topics are
    results, removed with the rest: see reprotect). What the twin has already (the same
    passage coded the same way, a place in the same round) is not doubled.

    Columns are named, never all of a model's: migrations run this (see 0016)."""
    if not twins:
        return
    texts = dict(Post.objects.filter(pk__in=[*twins, *twins.values()]).values_list("pk", "text"))
    fields = ("pk", "post_id", "code_id", "start", "end", "coder_name", "round_id")
    codings = Coding.objects.filter(post_id__in=[*twins, *twins.values()]).order_by("pk")
    held = {}  # (twin, code, start, end, coder, round) -> that coding's id
    moving = []
    for pk, post_id, code_id, start, end, coder, round_id in codings.values_list(*fields):
        if post_id in twins:
            moving.append((pk, post_id, code_id, start, end, coder, round_id))
        else:
            held[post_id, code_id, start, end, coder, round_id] = pk
    for pk, post_id, code_id, start, end, coder, round_id in moving:
        twin = twins[post_id]
        if start is not None and texts[post_id] != texts[twin]:
            edits = edits_between(texts[post_id], texts[twin])
            start, end = moved(start, edits, at_end=False), moved(end, edits, at_end=True)
        same = held.get((twin, code_id, start, end, coder, round_id))
        if same is None:
            Coding.objects.filter(pk=pk).update(post_id=twin, start=start, end=end)
            held[twin, code_id, start, end, coder, round_id] = pk
        else:
            Memo.objects.filter(coding_id=pk).update(coding_id=same)
            Coding.objects.filter(pk=pk).only("pk").delete()
    for old, twin in twins.items():
        Memo.objects.filter(post_id=old).update(post_id=twin)
        _merge_units(old, twin)
        rounds = RoundUnit.objects.filter(post_id=twin).values("round_id")
        RoundUnit.objects.filter(post_id=old).exclude(round_id__in=rounds).update(post_id=twin)
    # What stays on them (a place in a round the twin has too) goes with them.
    RoundUnit.objects.filter(post_id__in=list(twins)).only("pk").delete()
    delete_post_ids(project, list(twins))


def _merge_units(old, twin):
    """Where both posts have a place in the same round, the twin's keeps what was done
    on the old one's: a coder's "done" (their codings move to the twin) and an
    adjudication the twin's place does not have."""
    places = dict(RoundUnit.objects.filter(post_id=twin).values_list("round_id", "pk"))
    fields = ("round_id", "pk", "adjudicated_by_id", "adjudicated_at")
    doubled = RoundUnit.objects.filter(post_id=old, round_id__in=list(places))
    for round_id, pk, by, at in doubled.values_list(*fields):
        kept = places[round_id]
        coders = UnitDone.objects.filter(unit_id=kept).values("coder_id")
        UnitDone.objects.filter(unit_id=pk).exclude(coder_id__in=coders).update(unit_id=kept)
        if at is not None:
            unadjudicated = RoundUnit.objects.filter(pk=kept, adjudicated_at__isnull=True)
            unadjudicated.update(adjudicated_by_id=by, adjudicated_at=at)


def _raw_purpose(project, platform, platform_id):
    return raw_payload_purpose(project.pk, Post(platform=platform, platform_id=platform_id))


def _reprotect_links(pseudonymiser, platforms):
    updates = {}
    domains = 0
    links = PostLink.objects.filter(post_id__in=list(platforms)).order_by()
    for pk, url, old_domain in links.values_list("pk", "url", "domain"):
        new, edits = _reprotected(url, pseudonymiser, "link")
        if edits:
            # Taken anew, as an import does: in https://<handle>.bsky.social it is the person.
            updates[pk] = {"url": new, "domain": domain(new)[:255]}
            domains += updates[pk]["domain"] != old_domain
    return _save(PostLink, updates), domains


def _reprotect_media(pseudonymiser, platforms, names):
    updates = {}
    media = PostMedia.objects.filter(post_id__in=list(platforms)).order_by()
    for pk, post_id, *values in media.values_list("pk", "post_id", *MEDIA_FIELDS):
        changed = updates[pk] = {}
        for field, value in zip(MEDIA_FIELDS, values, strict=True):
            part = "text" if field == "alt_text" else "url"
            if part == "url" and value and platforms[post_id] == "telegram":
                if telegram.media_path(value) is None:
                    # A file's own name, which earlier versions kept as its path.
                    changed[field] = None
                    continue
            shown = names.get(post_id, ())
            new, edits = _reprotected(value, pseudonymiser, part, platforms[post_id], shown)
            if edits:
                changed[field] = new
    return _save(PostMedia, updates)


def _reprotect_withdrawn(project, pseudonymiser):
    count = 0
    notices = Withdrawn.objects.filter(project=project, kind=Withdrawn.Kind.POST)
    for pk, platform, value in notices.values_list("pk", "platform", "value"):
        new, edits = _reprotected(value, pseudonymiser, "url")
        if edits:
            new = new[: Withdrawn._meta.get_field("value").max_length]
            if notices.filter(platform=platform, value=new).exists():
                # The same post withdrawn again since, under today's rules: one is enough.
                Withdrawn.objects.filter(pk=pk).delete()
            else:
                Withdrawn.objects.filter(pk=pk).update(value=new)
            count += 1
    return count


def _reprotect_imports(project, pseudonymiser):
    """An import names its files in its record as they were given, but for the names that
    held someone the project knew then ("feed-ana.bsky.social.json"): those who became
    known since are replaced now. Returns how many records changed."""
    from socialgood.jobs.models import Job

    count = 0
    fields = ("pk", "label", "files", "report", "message", "job_id")
    runs = [
        (row, _file_names_in(*row[2:5]))
        for row in ImportRun.objects.filter(project=project).order_by("pk").values_list(*fields)
    ]
    # Asked once for every record's names: the lookup of everyone's names is built per call.
    renamed_anywhere = pseudonymiser.file_names(set().union(*(names for _, names in runs)))
    for (pk, label, files, report, message, job), names in runs:
        renamed = {name: new for name, new in renamed_anywhere.items() if name in names}
        if not renamed:
            continue
        limit = ImportRun._meta.get_field("label").max_length
        given_label = label
        given = [entry.get("name") or "" for entry in files if isinstance(entry, dict)]
        new_files = renamed_in(files, renamed)
        if given and ", ".join(given)[:limit] == label:
            # An import's label: its files' names, cut. A name cut in two is no longer
            # one of the names replaced, and what is left of it may hold the person.
            shown = [entry.get("name") or "" for entry in new_files if isinstance(entry, dict)]
            label = ", ".join(shown)[:limit]
        else:
            label = renamed_in(label, renamed)[:limit]
        ImportRun.objects.filter(pk=pk).update(
            label=label,
            files=new_files,
            report=renamed_in(report, renamed),
            message=renamed_in(message, renamed),
        )
        if job is not None and label != given_label:
            # The title an import gave its job; a collection's job keeps its own.
            titled = Job.objects.filter(pk=job, title=f"Import of {given_label}"[:200])
            titled.update(title=f"Import of {label}"[:200])
        count += 1
    return count


def _file_names_in(files, report, message):
    """The file and archive member names an import's record holds."""
    names = {entry["name"] for entry in files if isinstance(entry, dict) and entry.get("name")}
    names.update(
        members_named(report.get("skipped_lines") or {}, report.get("warning_lines") or {})
    )
    # An archive's member, quoted where it failed ("“ana_example/tweets.js” in the zip
    # would unpack to …"), as the import names it (imports._people_message).
    names.update(QUOTED.findall(message))
    for error in report.get("errors") or ():
        if isinstance(error, str):
            names.update(QUOTED.findall(error))
    return names


def _save(model, updates):
    """Write {id: {field: new value}} and say how many rows changed. The rows that change
    the same fields are written by one statement: row by row, the ORM took two thirds
    of the time when every post of a project changed."""
    rows = defaultdict(list)  # changed fields -> [[their values, id]]
    for pk, changed in updates.items():
        if changed:
            rows[tuple(changed)].append([*changed.values(), pk])
    with connection.cursor() as cursor:
        for fields, values in rows.items():
            columns = ", ".join(f"{model._meta.get_field(field).column} = %s" for field in fields)
            cursor.executemany(
                f"UPDATE {model._meta.db_table} SET {columns} WHERE id = %s",  # noqa: S608 - the model's names
                values,
            )
    return sum(map(len, rows.values()))


def _move_codings(edited):
    """Coded passages of changed texts move with them, covering the same words."""
    codings = Coding.objects.filter(post_id__in=list(edited), start__isnull=False)
    for pk, post_id, start, end in codings.values_list("pk", "post_id", "start", "end"):
        edits = edited[post_id]
        new = moved(start, edits, at_end=False), moved(end, edits, at_end=True)
        if new != (start, end):
            Coding.objects.filter(pk=pk).update(start=new[0], end=new[1])


def _reprotected(old, pseudonymiser, part, platform="", names=()):
    """(`old` with today's rules applied, the edits made), but for the edits that would
    change a pseudonym stored in it."""
    if not old:
        return old, []
    new = pseudonymiser.again(old, part, platform, names)
    if new == old:
        return old, []
    edits = edits_between(old, new)
    # An edit may touch a stored pseudonym and keep it whole ("100%fe<pseudonym>" loses
    # "fe" and the pseudonym's first character is kept in it, see edits_between): each
    # pseudonym is checked where it stands. Counted over the whole text instead, the
    # same pseudonym put in elsewhere (its person's display name replaced) let an edit
    # change one ("tiktok.com/@<pseudonym>.ex" became another person's).
    dropped = set()
    for match in STORED_PSEUDONYM.finditer(old):
        since, until = match.span()
        touching = [at for at, (start, end, _) in enumerate(edits) if start < until and since < end]
        if touching:
            first, last = min(since, edits[touching[0]][0]), max(until, edits[touching[-1]][1])
            around = old[first:last]
            for at in reversed(touching):
                start, end, replacement = edits[at]
                around = around[: start - first] + replacement + around[end - first :]
            if match.group() not in around:
                dropped.update(touching)
    if not dropped:
        return new, edits
    edits = [edit for at, edit in enumerate(edits) if at not in dropped]
    for start, end, replacement in reversed(edits):
        old = old[:start] + replacement + old[end:]
    return old, edits


def edits_between(old, new):
    """The edits ((start, end, replacement) in `old`, in order) that make `new` of it.

    Word by word: a changed word (or run of words: a phone number) is one edit, less
    what it keeps at either end ("@", a link's site and path) but for a character, so
    that a passage that starts or ends with it starts or ends with its replacement.
    Changed words side by side ("twitch.tv/<name> pinterest.com/<name>") are an edit
    each: as one, a passage that starts or ends between them would take in the other's.
    """
    words, new_words = WORD.findall(old), WORD.findall(new)
    starts = list(accumulate(map(len, words), initial=0))
    edits = []
    matcher = SequenceMatcher(None, words, new_words, autojunk=False)
    for tag, first, last, new_first, new_last in matcher.get_opcodes():
        if tag == "equal":
            continue
        runs = [(first, last, new_first, new_last)]
        if last - first == new_last - new_first:  # word for word: an edit each
            shift = new_first - first
            runs = [(at, at + 1, at + shift, at + shift + 1) for at in range(first, last)]
        for run_first, run_last, run_new_first, run_new_last in runs:
            start, end = starts[run_first], starts[run_last]
            was, now = old[start:end], "".join(new_words[run_new_first:run_new_last])
            if was == now:
                continue
            keep = max(0, min(len(was), len(now)) - 1)
            ahead = min(len(commonprefix([was, now])), keep)
            behind = min(len(commonprefix([was[ahead:][::-1], now[ahead:][::-1]])), keep - ahead)
            edits.append((start + ahead, end - behind, now[ahead : len(now) - behind]))
    return edits
