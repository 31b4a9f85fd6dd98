"""Applying codes to posts and spans, undo, memos, and who may see whose codes."""

from django.db import transaction

from socialgood.coding.models import Coding, CodingRound, Memo
from socialgood.coding.offsets import check_span


class CodingError(ValueError):
    """A coding that cannot be made, in words for the coder."""


def hidden_coders_round(round_, user):
    """True while `user` is a coder of this open blind round: they see only their own codes."""
    return (
        round_ is not None
        and round_.blind
        and round_.is_open
        and round_.coders.filter(pk=user.pk).exists()
    )


def can_see_round_codes(round_, user, perms):
    """Everyone's codes of a round: after it closes, or for a manager who is not coding in it."""
    if not round_.blind or not round_.is_open:
        return True
    return perms.can("manage_rounds") and not round_.coders.filter(pk=user.pk).exists()


def visible_codings(post, user, perms, round_=None):
    codings = Coding.objects.filter(post=post, round=round_).select_related("code", "coder")
    if round_ is not None and not can_see_round_codes(round_, user, perms):
        codings = codings.filter(coder=user)
    return codings.exclude(status=Coding.Status.REJECTED)


def check_round_code(round_, code):
    if round_ is not None and code.id not in round_.codebook_version.code_ids():
        raise CodingError(f"“{code.name}” is not in this round's codebook version.")


def check_round_member(round_, user, post):
    if round_ is None:
        return
    if not round_.is_open:
        raise CodingError("This round is closed; its codes can no longer change.")
    if not round_.coders.filter(pk=user.pk).exists():
        raise CodingError("You are not a coder in this round.")
    if not round_.units.filter(post=post).exists():
        raise CodingError("This post is not part of the round's sample.")


def toggle(post, code, user, *, round_=None, start=None, end=None):
    """Apply `code` to the post (or span) as `user`, or take it off if already applied.

    Returns ("added", coding) or ("removed", a description to undo it with).
    """
    if code.project_id != post.project_id:
        raise CodingError("That code belongs to another project.")
    if not code.is_codable or (code.retired_at is not None and round_ is None):
        raise CodingError(f"“{code.name}” cannot be applied.")
    check_round_member(round_, user, post)
    check_round_code(round_, code)
    if start is not None:
        check_span(post.text, start, end)
    existing = Coding.objects.filter(
        post=post, code=code, coder=user, round=round_, start=start, end=end
    ).first()
    if existing is not None:
        state = snapshot(existing)
        existing.delete()
        return "removed", state
    return "added", Coding.objects.create(
        project_id=post.project_id,
        post=post,
        code=code,
        coder=user,
        coder_name=user.username,
        round=round_,
        start=start,
        end=end,
    )


def snapshot(coding):
    return {
        "post": coding.post_id,
        "code": coding.code_id,
        "round": coding.round_id,
        "start": coding.start,
        "end": coding.end,
        "guid": coding.guid,
    }


def undo(action, user, project):
    """Reverse one action from the coder's undo stack. Returns the post id it touched."""
    kind, payload = action
    if kind == "added":
        # A closed round's codes are its record: undo cannot reach back into it.
        Coding.objects.filter(pk=payload, coder=user, project=project).exclude(
            round__status=CodingRound.Status.CLOSED
        ).delete()
        return None
    if kind == "removed":
        round_ = CodingRound.objects.filter(pk=payload["round"], project=project).first()
        if payload["round"] is not None and (round_ is None or not round_.is_open):
            return None
        Coding.objects.create(
            project=project,
            post_id=payload["post"],
            code_id=payload["code"],
            coder=user,
            coder_name=user.username,
            round=round_,
            start=payload["start"],
            end=payload["end"],
            guid=payload["guid"],
        )
        return payload["post"]
    return None


def add_memo(project, *, by, text, target="project", code=None, post=None, coding=None, title=""):
    text = text.strip()
    if not text:
        raise CodingError("A memo needs some text.")
    with transaction.atomic():
        return Memo.objects.create(
            project=project,
            target=target,
            code=code,
            post=post,
            coding=coding,
            title=title.strip(),
            text=text,
            author=by,
            author_name=by.username,
        )
