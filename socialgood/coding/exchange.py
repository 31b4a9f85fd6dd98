"""REFI-QDA project exchange (.qdpx) between the database and socialgood.coding.refi.

Export: every post becomes a TextSource named by platform, pseudonym and date, with
its metadata as variables (platform, created, language, kind, hashtags, author
pseudonym); span codings become PlainTextSelections, whole-post codings become
codings of the source; each coding keeps its coder as a REFI User; memos become
Notes referenced from their project, code, post or coding. Suggestions nobody has
accepted are not exported: they are not anyone's coding yet.

Import: each TextSource becomes a Post with platform "document" and a Document row
(name, GUID, variables, whether its text was missing), coded like any post.
"""

from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from socialgood.coding import codebook, refi
from socialgood.coding.models import (
    DOCUMENT_PLATFORM,
    Code,
    Coding,
    Document,
    Memo,
    stable_guid,
)
from socialgood.collect import tallies
from socialgood.collect.models import Post
from socialgood.projects.models import AuditEvent

POST_VARIABLES = (
    ("platform", "Text"),
    ("created", "DateTime"),
    ("language", "Text"),
    ("kind", "Text"),
    ("hashtags", "Text"),
    ("author", "Text"),
)


def exported_codings(project):
    """Codings that count as the project's coding: accepted, outside rounds or adjudicated."""
    return Coding.objects.filter(project=project, status=Coding.Status.ACCEPTED).filter(
        Q(round=None) | Q(origin=Coding.Origin.ADJUDICATED)
    )


def _iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def to_refi_project(project):
    users = {}

    def user_guid(name):
        if name not in users:
            users[name] = refi.RUser(stable_guid(project.pk, "user", name), name)
        return users[name].guid

    memos = list(Memo.objects.filter(project=project).order_by("created_at", "id"))
    memo_refs = {"project": [], "code": {}, "post": {}, "coding": {}}
    notes = []
    for memo in memos:
        notes.append(
            refi.RNote(
                guid=memo.guid,
                name=memo.title or f"Memo by {memo.author_name}",
                text=memo.text,
                user_guid=user_guid(memo.author_name),
                created=_iso(memo.created_at),
            )
        )
        if memo.target == Memo.Target.PROJECT:
            memo_refs["project"].append(memo.guid)
        else:
            key = {"code": memo.code_id, "post": memo.post_id, "coding": memo.coding_id}[
                memo.target
            ]
            memo_refs[memo.target].setdefault(key, []).append(memo.guid)

    codes = codebook.to_refi_codes(project, memo_refs["code"])
    code_guids = dict(Code.objects.filter(project=project).values_list("id", "guid"))
    variables = [
        refi.RVariable(stable_guid(project.pk, "variable", name), name, kind)
        for name, kind in POST_VARIABLES
    ]
    var_guid = {v.name: v.guid for v in variables}
    document_variables = {}

    codings_by_post = {}
    for coding in exported_codings(project).order_by("post_id", "start", "end", "id"):
        codings_by_post.setdefault(coding.post_id, []).append(coding)

    sources = []
    posts = (
        Post.objects.filter(project=project).select_related("document").prefetch_related("hashtags")
    )
    for post in posts.order_by("created_at", "id"):
        document = getattr(post, "document", None)
        if document is not None:
            source = refi.RSource(
                guid=document.guid,
                name=document.name,
                text=post.text,
                created=_iso(post.created_at),
            )
            for value in document.variables:
                key = (value["name"], value["type"])
                if key not in document_variables:
                    document_variables[key] = refi.RVariable(
                        stable_guid(project.pk, "variable", *key), value["name"], value["type"]
                    )
                source.values.append((document_variables[key].guid, value["value"]))
        else:
            source = refi.RSource(
                guid=stable_guid(project.pk, "post", post.platform, post.platform_id),
                name=f"{post.platform} post by {post.author} on {post.created_at:%Y-%m-%d %H:%M}",
                text=post.text,
                created=_iso(post.created_at),
            )
            hashtags = " ".join(f"#{h.tag}" for h in post.hashtags.all())
            for name, value in (
                ("platform", post.platform),
                ("created", _iso(post.created_at)),
                ("language", post.lang or ""),
                ("kind", post.kind),
                ("hashtags", hashtags),
                ("author", post.author),
            ):
                if value:
                    source.values.append((var_guid[name], value))
        source.note_refs = memo_refs["post"].get(post.id, [])
        selections = {}
        for coding in codings_by_post.get(post.id, []):
            rcoding = refi.RCoding(
                guid=coding.guid,
                code_guid=code_guids[coding.code_id],
                user_guid=user_guid(coding.coder_name),
                created=_iso(coding.created_at),
                note_refs=memo_refs["coding"].get(coding.id, []),
            )
            if coding.start is None:
                source.codings.append(rcoding)
                continue
            key = (coding.start, coding.end)
            if key not in selections:
                selections[key] = refi.RSelection(
                    guid=coding.selection_guid
                    or stable_guid(source.guid, "selection", coding.start, coding.end),
                    start=coding.start,
                    end=coding.end,
                    name=post.text[coding.start : coding.end],
                    user_guid=rcoding.user_guid,
                    created=rcoding.created,
                )
            selections[key].codings.append(rcoding)
        source.selections = list(selections.values())
        sources.append(source)

    return refi.RProject(
        name=project.name,
        origin="socialgood",
        users=list(users.values()),
        codes=codes,
        variables=variables + list(document_variables.values()),
        sources=sources,
        notes=notes,
        note_refs=memo_refs["project"],
    )


def export_qdpx(project, *, by):
    data = refi.write_qdpx(to_refi_project(project))
    AuditEvent.record(by, project, "qdpx.export", target=project.slug, bytes=len(data))
    return data


def _moment(value):
    moment = parse_datetime(value) if value else None
    if moment is None:
        return timezone.now()
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def import_qdpx(project, data, *, by, file_name="project.qdpx"):
    """Bring a .qdpx into the project. Returns the import report as a dict."""
    rproject, report = refi.read_qdpx(data)
    members = {m.user.username: m.user for m in project.memberships.select_related("user")}
    user_names = {u.guid: u.name for u in rproject.users}
    counts = {"codes": 0, "documents": 0, "codings": 0, "memos": 0, "missing_text": 0}

    def coder_for(user_guid):
        name = user_names.get(user_guid) or ("unknown coder" if user_guid is None else user_guid)
        return members.get(name), name

    with transaction.atomic():
        codes = codebook.import_refi_codes(project, rproject.codes, by=by)
        counts["codes"] = len(codes)
        variable_of = {v.guid: v for v in rproject.variables}
        created_codings = {}
        new_posts = []
        for source in rproject.sources:
            existing = Document.objects.filter(project=project, guid=source.guid).first()
            if existing is not None:
                report.append(f"Source “{source.name}” is already in this project; skipped.")
                continue
            post = Post.objects.create(
                project=project,
                platform=DOCUMENT_PLATFORM,
                platform_id=source.guid,
                author=(user_names.get(source.user_guid) or "")[:40],
                created_at=_moment(source.created),
                text=source.text or "",
                kind="post",
            )
            new_posts.append(post.pk)
            Document.objects.create(
                post=post,
                project=project,
                guid=source.guid,
                name=source.name[:500],
                text_missing=source.text is None,
                variables=[
                    {
                        "name": variable_of[guid].name,
                        "type": variable_of[guid].type,
                        "value": value,
                    }
                    for guid, value in source.values
                    if guid in variable_of
                ],
                imported_from=(rproject.origin or file_name)[:200],
            )
            counts["documents"] += 1
            counts["missing_text"] += source.text is None
            spans = [(None, None, "", c) for c in source.codings]
            for selection in source.selections:
                spans += [
                    (selection.start, selection.end, selection.guid, c) for c in selection.codings
                ]
            for start, end, selection_guid, rcoding in spans:
                code = codes.get(rcoding.code_guid)
                if code is None:
                    report.append(
                        f"A coding in “{source.name}” names a code the file does not define; skipped."
                    )
                    continue
                coder, coder_name = coder_for(rcoding.user_guid)
                created_codings[rcoding.guid] = Coding.objects.create(
                    project=project,
                    post=post,
                    code=code,
                    start=start,
                    end=end,
                    coder=coder,
                    coder_name=coder_name[:150],
                    origin=Coding.Origin.IMPORTED,
                    guid=rcoding.guid,
                    selection_guid=selection_guid,
                    created_at=_moment(rcoding.created),
                )
                counts["codings"] += 1
            for selection in source.selections:
                if not selection.codings:
                    report.append(f"A selection in “{source.name}” has no coding and was not kept.")
        with connection.cursor() as cursor:
            tallies.add(cursor, project.pk, new_posts)

        targets = {}
        for guid in rproject.note_refs:
            targets[guid] = {"target": Memo.Target.PROJECT}
        for rcode, _ in refi.iter_codes(rproject.codes):
            for guid in rcode.note_refs:
                targets[guid] = {"target": Memo.Target.CODE, "code": codes[rcode.guid]}
        posts = {
            d.guid: d.post for d in Document.objects.filter(project=project).select_related("post")
        }
        for source in rproject.sources:
            for guid in source.note_refs:
                if source.guid in posts:
                    targets[guid] = {"target": Memo.Target.POST, "post": posts[source.guid]}
            all_codings = source.codings + [c for s in source.selections for c in s.codings]
            for rcoding in all_codings:
                for guid in rcoding.note_refs:
                    if rcoding.guid in created_codings:
                        coding = created_codings[rcoding.guid]
                        targets[guid] = {
                            "target": Memo.Target.CODING,
                            "coding": coding,
                            "post": coding.post,
                        }
        for note in rproject.notes:
            if Memo.objects.filter(project=project, guid=note.guid).exists():
                continue
            author, author_name = coder_for(note.user_guid)
            Memo.objects.create(
                project=project,
                guid=note.guid,
                title=note.name[:200],
                text=note.text,
                author=author,
                author_name=author_name[:150],
                created_at=_moment(note.created),
                **targets.get(note.guid, {"target": Memo.Target.PROJECT}),
            )
            counts["memos"] += 1
        AuditEvent.record(by, project, "qdpx.import", target=file_name[:300], **counts)
    return {"counts": counts, "report": report, "origin": rproject.origin}


def now_stamp():
    return datetime.now(UTC).strftime("%Y%m%d-%H%M")
