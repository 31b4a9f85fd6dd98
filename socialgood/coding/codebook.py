"""The codebook: hierarchical codes, their edits, frozen versions and .qdc exchange."""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from socialgood.coding import refi
from socialgood.coding.models import Code, CodebookVersion, Coding, CodingRound
from socialgood.projects.models import AuditEvent

SNAPSHOT_FIELDS = (
    "id",
    "guid",
    "name",
    "definition",
    "inclusion",
    "exclusion",
    "examples",
    "colour",
    "is_codable",
)


class CodebookError(ValueError):
    """An edit the codebook cannot take, explained for the person who tried it."""


def tree(project, include_retired=False):
    """Codes in display order as (code, depth) pairs, parents before their children."""
    codes = list(Code.objects.filter(project=project))
    by_parent = {}
    for code in codes:
        if include_retired or code.is_active:
            by_parent.setdefault(code.parent_id, []).append(code)
    result = []

    def walk(parent_id, depth):
        for code in sorted(by_parent.get(parent_id, []), key=lambda c: (c.position, c.id)):
            result.append((code, depth))
            walk(code.id, depth + 1)

    walk(None, 0)
    return result


def codable_codes(project):
    return [code for code, _ in tree(project) if code.is_codable]


def frozen_code_ids(project):
    """Codes in the codebook version of an open round: merging or retiring them would change it."""
    ids = set()
    for version in CodebookVersion.objects.filter(
        rounds__project=project, rounds__status=CodingRound.Status.OPEN
    ).distinct():
        ids.update(version.code_ids())
    return ids


def _check_not_frozen(project, *codes):
    frozen = frozen_code_ids(project)
    for code in codes:
        if code.id in frozen:
            raise CodebookError(
                f"“{code.name}” is part of an open coding round's codebook. "
                "Close the round first, then change it."
            )


def next_position(project, parent):
    highest = Code.objects.filter(project=project, parent=parent).aggregate(m=Max("position"))
    return (highest["m"] or 0) + 1


def add_code(project, *, by, name, parent=None, **fields):
    name = name.strip()
    if not name:
        raise CodebookError("A code needs a name.")
    if parent is not None and parent.project_id != project.id:
        raise CodebookError("The parent code belongs to another project.")
    if "colour" in fields:
        fields["colour"] = refi.normalise_colour(fields["colour"])
        if fields["colour"] is None:
            raise CodebookError("Give the colour as #RRGGBB, such as #3b73b9.")
    code = Code.objects.create(
        project=project, parent=parent, name=name, position=next_position(project, parent), **fields
    )
    AuditEvent.record(by, project, "code.add", target=code.name)
    return code


def move(code, direction, *, by):
    """Swap a code with its previous (-1) or next (+1) sibling."""
    siblings = list(
        Code.objects.filter(project=code.project, parent=code.parent, retired_at=None).order_by(
            "position", "id"
        )
    )
    index = next(i for i, c in enumerate(siblings) if c.id == code.id)
    other_index = index + direction
    if not 0 <= other_index < len(siblings):
        return
    siblings[index], siblings[other_index] = siblings[other_index], siblings[index]
    with transaction.atomic():
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                Code.objects.filter(pk=sibling.pk).update(position=position)


def merge(source, target, *, by):
    """Move every coding, memo and child of `source` to `target`, then retire `source`."""
    if source.project_id != target.project_id or source.id == target.id:
        raise CodebookError("Choose a different code of the same project to merge into.")
    node = target
    while node is not None:
        if node.id == source.id:
            raise CodebookError("A code cannot be merged into one of its own sub-codes.")
        node = node.parent
    _check_not_frozen(source.project, source, target)
    with transaction.atomic():
        moved = Coding.objects.filter(code=source).update(code=target)
        source.memos.update(code=target)
        source.children.update(parent=target)
        source.rules.update(code=target)
        source.retired_at = timezone.now()
        source.merged_into = target
        source.save(update_fields=["retired_at", "merged_into"])
        AuditEvent.record(
            by, source.project, "code.merge", target=source.name, into=target.name, codings=moved
        )
    return moved


def split(code, new_names, *, by):
    """New sibling codes for a code that turned out to hold several ideas.

    Existing codings stay on the original code: which new code each belongs to is a
    judgement only a person can make, so they are recoded from the code's list.
    """
    names = [n.strip() for n in new_names if n.strip()]
    if not names:
        raise CodebookError("Give at least one name for the new codes.")
    _check_not_frozen(code.project, code)
    created = [
        add_code(
            code.project,
            by=by,
            name=name,
            parent=code,
            colour=code.colour,
            definition=f"Split from “{code.name}”.",
        )
        for name in names
    ]
    AuditEvent.record(by, code.project, "code.split", target=code.name, into=names)
    return created


def retire(code, *, by):
    _check_not_frozen(code.project, code)
    code.retired_at = timezone.now()
    code.save(update_fields=["retired_at"])
    AuditEvent.record(by, code.project, "code.retire", target=code.name)


def restore(code, *, by):
    code.retired_at = None
    code.merged_into = None
    code.save(update_fields=["retired_at", "merged_into"])
    AuditEvent.record(by, code.project, "code.restore", target=code.name)


def freeze(project, *, by, note=""):
    """A new numbered, unchangeable copy of the current codebook."""
    snapshot = []
    for code, depth in tree(project):
        row = {f: getattr(code, f) for f in SNAPSHOT_FIELDS}
        row["parent"] = code.parent_id
        row["depth"] = depth
        snapshot.append(row)
    if not any(row["is_codable"] for row in snapshot):
        raise CodebookError("The codebook has no codes yet: add codes before starting a round.")
    with transaction.atomic():
        last = CodebookVersion.objects.filter(project=project).aggregate(m=Max("number"))["m"]
        version = CodebookVersion.objects.create(
            project=project, number=(last or 0) + 1, codes=snapshot, note=note, created_by=by
        )
    return version


# --- REFI-QDA codebook (.qdc) --------------------------------------------------------


def to_refi_codes(project, note_refs=None):
    """The active codebook as REFI codes (`note_refs`: code id -> memo GUIDs)."""
    note_refs = note_refs or {}
    by_id = {}
    roots = []
    for code, _ in tree(project):
        r = refi.RCode(
            guid=code.guid,
            name=code.name,
            is_codable=code.is_codable,
            colour=code.colour,
            definition=code.definition,
            inclusion=code.inclusion,
            exclusion=code.exclusion,
            examples=code.examples,
            note_refs=note_refs.get(code.id, []),
        )
        by_id[code.id] = r
        (by_id[code.parent_id].children if code.parent_id in by_id else roots).append(r)
    return roots


def export_qdc(project, *, by):
    data = refi.write_qdc(to_refi_codes(project), origin="socialgood")
    AuditEvent.record(by, project, "codebook.export", target="qdc")
    return data


def import_refi_codes(project, codes, *, by):
    """Add REFI codes to the codebook; a code whose GUID is known is updated, not doubled.

    Returns {guid: Code} for every code in the file.
    """
    known = {c.guid: c for c in Code.objects.filter(project=project)}
    result = {}
    for rcode, parent in refi.iter_codes(codes):
        fields = {
            "name": rcode.name or "Unnamed code",
            "is_codable": rcode.is_codable,
            "definition": rcode.definition,
            "inclusion": rcode.inclusion,
            "exclusion": rcode.exclusion,
            "examples": rcode.examples,
            "parent": result[parent.guid] if parent else None,
        }
        if rcode.colour:
            fields["colour"] = rcode.colour
        code = known.get(rcode.guid)
        if code is None:
            code = Code.objects.create(
                project=project,
                guid=rcode.guid,
                position=next_position(project, fields["parent"]),
                **fields,
            )
        else:
            for key, value in fields.items():
                setattr(code, key, value)
            code.retired_at = None
            code.save()
        result[rcode.guid] = code
    return result


def import_qdc(project, data, *, by):
    """Read a .qdc into the codebook. Returns (number of codes, report lines)."""
    codes, report = refi.read_qdc(data)
    if not codes:
        raise CodebookError("The codebook file holds no codes.")
    with transaction.atomic():
        imported = import_refi_codes(project, codes, by=by)
        AuditEvent.record(by, project, "codebook.import", target="qdc", codes=len(imported))
    return len(imported), report
