from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from socialgood.analyze.filters import FilterError, clean_params, posts_for
from socialgood.analyze.models import Subset
from socialgood.coding import autocode, codebook, codings, exchange, queries, refi, rounds
from socialgood.coding.forms import CodeForm, RoundForm, RuleForm, UploadForm
from socialgood.coding.models import AutoRule, Code, Coding, CodingRound, Memo, SavedQuery
from socialgood.coding.offsets import pieces, span_from_browser
from socialgood.collect.models import Post
from socialgood.projects.models import AuditEvent
from socialgood.projects.views import get_project

UNDO_DEPTH = 50


def _page(request, template, project, **context):
    return render(request, template, {"project": project, "section": "coding", **context})


def _download(data, filename, content_type):
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Codebook -------------------------------------------------------------------


@login_required
def codebook_page(request, slug):
    project = get_project(request, slug, "view_posts")
    form = CodeForm(request.POST or None, project=project)
    if request.method == "POST":
        get_project(request, slug, "manage_codebook")
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                code = codebook.add_code(project, by=request.user, **data)
            except codebook.CodebookError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"Added “{code.name}”.")
                return redirect("coding_codebook", slug=slug)
    return _page(
        request,
        "coding/codebook.html",
        project,
        codes=codebook.tree(project, include_retired=True),
        form=form,
        upload=UploadForm(),
        versions=project.codebook_versions.all()[:10],
        frozen=codebook.frozen_code_ids(project),
    )


@login_required
def code_detail(request, slug, code_id):
    project = get_project(request, slug, "view_posts")
    code = get_object_or_404(Code, project=project, pk=code_id)
    form = CodeForm(request.POST or None, instance=code, project=project)
    if request.method == "POST":
        get_project(request, slug, "manage_codebook")
        if form.is_valid():
            form.save()
            AuditEvent.record(
                request.user, project, "code.edit", target=code.name, fields=form.changed_data
            )
            messages.success(request, "Saved.")
            return redirect("coding_code", slug=slug, code_id=code.pk)
    return _page(
        request,
        "coding/code_detail.html",
        project,
        code=code,
        form=form,
        memos=code.memos.all(),
        others=Code.objects.filter(project=project, retired_at=None).exclude(pk=code.pk),
        exemplars=queries.exemplars(project, code),
    )


@login_required
@require_POST
def code_action(request, slug, code_id, action):
    project = get_project(request, slug, "manage_codebook")
    code = get_object_or_404(Code, project=project, pk=code_id)
    try:
        if action == "up" or action == "down":
            codebook.move(code, -1 if action == "up" else 1, by=request.user)
        elif action == "merge":
            target = get_object_or_404(Code, project=project, pk=request.POST.get("into"))
            moved = codebook.merge(code, target, by=request.user)
            messages.success(
                request, f"Merged “{code.name}” into “{target.name}” ({moved} codings moved)."
            )
            return redirect("coding_code", slug=slug, code_id=target.pk)
        elif action == "split":
            created = codebook.split(
                code, request.POST.get("names", "").split(","), by=request.user
            )
            messages.success(
                request, f"Added {len(created)} sub-codes; recode the posts that belong to them."
            )
        elif action == "retire":
            codebook.retire(code, by=request.user)
            messages.success(request, f"Retired “{code.name}”. Its codings are kept.")
        elif action == "restore":
            codebook.restore(code, by=request.user)
        else:
            raise Http404
    except codebook.CodebookError as error:
        messages.error(request, str(error))
    return redirect(request.POST.get("next") or reverse("coding_codebook", args=[slug]))


@login_required
def codebook_export(request, slug):
    project = get_project(request, slug, "export")
    try:
        data = codebook.export_qdc(project, by=request.user)
    except refi.RefiError as error:
        messages.error(request, str(error))
        return redirect("coding_codebook", slug=slug)
    return _download(data, f"{project.slug}-codebook.qdc", "application/xml")


@login_required
@require_POST
def codebook_import(request, slug):
    project = get_project(request, slug, "manage_codebook")
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a .qdc file to import.")
        return redirect("coding_codebook", slug=slug)
    try:
        count, report = codebook.import_qdc(
            project, form.cleaned_data["file"].read(), by=request.user
        )
    except (refi.RefiError, codebook.CodebookError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Imported {count} codes.")
        for line in report:
            messages.warning(request, line)
    return redirect("coding_codebook", slug=slug)


# --- The coding screen --------------------------------------------------------------


def _round_for(request, project):
    round_id = request.GET.get("round") or request.POST.get("round")
    if not round_id:
        return None
    return get_object_or_404(CodingRound, project=project, pk=round_id)


def _queue(project, request, round_):
    """The posts being coded, in order: a round's sample, or the filtered project."""
    if round_ is not None:
        return Post.objects.filter(id__in=round_.units.values("post_id"))
    try:
        return posts_for(project, request.GET)
    except FilterError as error:
        messages.error(request, str(error))
        return project.posts.all()


def _neighbours(queue, post, round_):
    if round_ is not None:
        unit = round_.units.get(post=post)
        earlier = round_.units.filter(position__lt=unit.position).order_by("-position").first()
        later = round_.units.filter(position__gt=unit.position).order_by("position").first()
        return (earlier.post_id if earlier else None), (later.post_id if later else None)
    # Oldest first, by keyset, so moving on is as quick at a million posts as at ten.
    # Two plain range queries rather than one with OR: both databases then walk the
    # time index from the current post instead of scanning half of it.
    same_time = queue.filter(created_at=post.created_at)
    later = same_time.filter(id__gt=post.id).order_by("id").values_list("id", flat=True).first()
    if later is None:
        later = (
            queue.filter(created_at__gt=post.created_at)
            .order_by("created_at", "id")
            .values_list("id", flat=True)
            .first()
        )
    earlier = same_time.filter(id__lt=post.id).order_by("-id").values_list("id", flat=True).first()
    if earlier is None:
        earlier = (
            queue.filter(created_at__lt=post.created_at)
            .order_by("-created_at", "-id")
            .values_list("id", flat=True)
            .first()
        )
    return earlier, later


def _thread(project, post, replies_shown=5):
    """The post this one answers, and its first replies, for context.

    No ORDER BY in the lookups: with one, the database may walk the time index of
    every post instead of the reply index, which is slow at a million posts.
    """
    same_platform = Post.objects.filter(project=project, platform=post.platform).order_by()
    parent = None
    if post.reply_to:
        parent = same_platform.filter(platform_id=post.reply_to)[:1]
        parent = next(iter(parent), None)
    reply_ids = list(
        same_platform.filter(reply_to=post.platform_id).values_list("id", flat=True)[:200]
    )
    replies = Post.objects.filter(id__in=reply_ids).order_by("created_at", "id")[:replies_shown]
    return ([parent] if parent else []), replies


def _codes_for(project, round_):
    if round_ is None:
        return codebook.codable_codes(project)
    ids = [c["id"] for c in round_.codebook_version.codes if c["is_codable"]]
    by_id = Code.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _panel_context(request, project, post, round_, oob=False):
    """What the codes panel shows; `oob`: an htmx answer, which also repaints the post's text."""
    applied = list(codings.visible_codings(post, request.user, request.perms, round_))
    mine = {c.code_id for c in applied if c.coder_id == request.user.id and c.start is None}
    codes = _codes_for(project, round_)
    return {
        "project": project,
        "post": post,
        "round": round_,
        "codes": [
            (i + 1 if i < 9 else None, code, code.id in mine) for i, code in enumerate(codes)
        ],
        "applied": applied,
        "text_pieces": _text_pieces(post, applied),
        "oob": oob,
        "blind": codings.hidden_coders_round(round_, request.user),
        "can_code": request.perms.can("code_posts")
        and (
            round_ is None or (round_.is_open and round_.coders.filter(pk=request.user.pk).exists())
        ),
    }


def _text_pieces(post, applied):
    """The post's text with the passages coded (as far as this person may see) marked."""
    spans = [(c.start, c.end, c.code) for c in applied if c.start is not None]
    return [
        {
            "text": text,
            "codes": ", ".join(dict.fromkeys(code.name for code in codes)),
            "colour": codes[0].colour if codes else None,
        }
        for text, codes in pieces(post.text, spans)
    ]


@login_required
def coding_screen(request, slug):
    project = get_project(request, slug, "view_posts")
    round_ = _round_for(request, project)
    queue = _queue(project, request, round_)
    post_id = request.GET.get("post")
    if post_id:
        post = get_object_or_404(queue, pk=post_id)
    elif round_ is not None:
        unit = round_.units.exclude(done__coder=request.user).first() or round_.units.first()
        post = unit.post if unit else None
    else:
        post = queue.order_by("created_at", "id").first()
    if post is None:
        return _page(request, "coding/screen.html", project, post=None, round=round_)
    earlier, later = _neighbours(queue, post, round_)
    thread, replies = _thread(project, post)
    context = _panel_context(request, project, post, round_)
    context.pop("project")
    query = request.GET.copy()
    query.pop("post", None)
    return _page(
        request,
        "coding/screen.html",
        project,
        **context,
        earlier=earlier,
        later=later,
        query=query.urlencode(),
        thread=thread,
        replies=replies,
        media=post.media.all(),
        hashtags=post.hashtags.all(),
        memos=Memo.objects.filter(project=project, post=post),
        done=round_ is not None
        and round_.units.filter(post=post, done__coder=request.user).exists(),
        progress=rounds.progress(round_) if round_ is not None else None,
    )


def _push_undo(request, project, action):
    key = f"coding-undo-{project.pk}"
    stack = request.session.get(key, [])
    stack.append(action)
    request.session[key] = stack[-UNDO_DEPTH:]


@login_required
@require_POST
def toggle_code(request, slug, post_id):
    project = get_project(request, slug, "code_posts")
    post = get_object_or_404(Post, project=project, pk=post_id)
    round_ = _round_for(request, project)
    code = get_object_or_404(Code, project=project, pk=request.POST.get("code"))
    start = end = None
    try:
        if request.POST.get("start") and request.POST.get("end"):
            start, end = span_from_browser(
                post.text, int(request.POST["start"]), int(request.POST["end"])
            )
        kind, result = codings.toggle(post, code, request.user, round_=round_, start=start, end=end)
    except (ValueError, codings.CodingError) as error:
        if request.htmx:
            context = _panel_context(request, project, post, round_, oob=True)
            return render(
                request, "coding/screen.html#panel", {**context, "error": str(error)}, status=400
            )
        messages.error(request, str(error))
    else:
        _push_undo(request, project, [kind, result.pk if kind == "added" else result])
    if request.htmx:
        return render(
            request,
            "coding/screen.html#panel",
            _panel_context(request, project, post, round_, oob=True),
        )
    return redirect(_screen_url(slug, post.pk, round_))


def _screen_url(slug, post_id, round_):
    url = reverse("coding_screen", args=[slug]) + f"?post={post_id}"
    return url + (f"&round={round_.pk}" if round_ else "")


@login_required
@require_POST
def undo(request, slug):
    project = get_project(request, slug, "code_posts")
    stack = request.session.get(f"coding-undo-{project.pk}", [])
    post_id = request.POST.get("post")
    if stack:
        action = stack.pop()
        request.session[f"coding-undo-{project.pk}"] = stack
        codings.undo(action, request.user, project)
        messages.info(request, "Undone.")
    else:
        messages.info(request, "Nothing to undo.")
    round_ = _round_for(request, project)
    if post_id:
        post = get_object_or_404(Post, project=project, pk=post_id)
        if request.htmx:
            return render(
                request,
                "coding/screen.html#panel",
                _panel_context(request, project, post, round_, oob=True),
            )
        return redirect(_screen_url(slug, post.pk, round_))
    return redirect("coding_screen", slug=slug)


@login_required
@require_POST
def unit_done(request, slug, round_id, post_id):
    project = get_project(request, slug, "code_posts")
    round_ = get_object_or_404(CodingRound, project=project, pk=round_id)
    post = get_object_or_404(Post, project=project, pk=post_id)
    try:
        codings.check_round_member(round_, request.user, post)
    except codings.CodingError as error:
        raise PermissionDenied(str(error)) from None
    rounds.mark_done(round_, post, request.user)
    nxt = request.POST.get("next")
    if nxt:
        return redirect(_screen_url(slug, nxt, round_))
    messages.success(request, "That was the last post of the round. Thank you!")
    return redirect("coding_round", slug=slug, round_id=round_.pk)


# --- Memos ---------------------------------------------------------------------------


@login_required
def memo_list(request, slug):
    project = get_project(request, slug, "view_posts")
    if request.method == "POST":
        get_project(request, slug, "code_posts")
        target = request.POST.get("target", "project")
        fields = {"target": target}
        try:
            if target == "code":
                fields["code"] = get_object_or_404(
                    Code, project=project, pk=request.POST.get("code")
                )
            elif target == "post":
                fields["post"] = get_object_or_404(
                    Post, project=project, pk=request.POST.get("post")
                )
            elif target == "coding":
                coding = get_object_or_404(Coding, project=project, pk=request.POST.get("coding"))
                fields.update(coding=coding, post=coding.post)
            elif target != "project":
                raise Http404
            codings.add_memo(
                project,
                by=request.user,
                text=request.POST.get("text", ""),
                title=request.POST.get("title", ""),
                **fields,
            )
        except codings.CodingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Memo saved.")
        return redirect(request.POST.get("next") or reverse("coding_memos", args=[slug]))
    memos = Memo.objects.filter(project=project).select_related("code", "post")
    # Memos on codings of an open blind round stay with their author until it closes.
    hidden = [
        r.pk
        for r in CodingRound.objects.filter(project=project)
        if codings.hidden_coders_round(r, request.user)
    ]
    memos = memos.exclude(Q(coding__round_id__in=hidden) & ~Q(author=request.user))
    return _page(request, "coding/memos.html", project, memos=memos[:200])


# --- Rounds ---------------------------------------------------------------------------


@login_required
def round_list(request, slug):
    project = get_project(request, slug, "view_posts")
    form = RoundForm(
        request.POST or None, project=project, initial={"seed": 20260101, "blind": True}
    )
    if request.method == "POST":
        get_project(request, slug, "manage_rounds")
        if form.is_valid():
            data = form.cleaned_data
            params = {k: data[k] for k in ("hashtag", "platform") if data[k]}
            if data["subset"]:
                params["subset"] = str(data["subset"].pk)
            try:
                round_ = rounds.create_round(
                    project,
                    by=request.user,
                    name=data["name"],
                    coders=data["coders"],
                    size=data["size"],
                    seed=data["seed"],
                    stratify=data["stratify"],
                    params=params,
                    blind=data["blind"],
                )
            except (rounds.RoundError, codebook.CodebookError, FilterError) as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, f"Started “{round_.name}” with {round_.units.count()} posts."
                )
                return redirect("coding_round", slug=slug, round_id=round_.pk)
    return _page(
        request, "coding/rounds.html", project, rounds=project.coding_rounds.all(), form=form
    )


def _round_visible(request, round_):
    if not codings.can_see_round_codes(round_, request.user, request.perms):
        raise PermissionDenied(
            "This is a blind round: everyone's codes and the agreement figures are shown when it closes."
        )


@login_required
def round_detail(request, slug, round_id):
    project = get_project(request, slug, "view_posts")
    round_ = get_object_or_404(CodingRound, project=project, pk=round_id)
    visible = codings.can_see_round_codes(round_, request.user, request.perms)
    report = rounds.reliability_report(round_) if visible else None
    return _page(
        request,
        "coding/round.html",
        project,
        round=round_,
        progress=rounds.progress(round_),
        report=report,
        visible=visible,
        is_coder=round_.coders.filter(pk=request.user.pk).exists(),
    )


@login_required
@require_POST
def round_close(request, slug, round_id):
    project = get_project(request, slug, "manage_rounds")
    round_ = get_object_or_404(CodingRound, project=project, pk=round_id)
    rounds.close_round(round_, by=request.user)
    messages.success(
        request, "The round is closed: everyone's codes and the agreement are now shown."
    )
    return redirect("coding_round", slug=slug, round_id=round_.pk)


@login_required
def disagreements(request, slug, round_id):
    project = get_project(request, slug, "view_posts")
    round_ = get_object_or_404(CodingRound, project=project, pk=round_id)
    _round_visible(request, round_)
    if request.method == "POST":
        get_project(request, slug, "manage_rounds")
        unit = get_object_or_404(round_.units, pk=request.POST.get("unit"))
        try:
            rounds.adjudicate(
                round_, unit, [int(c) for c in request.POST.getlist("codes")], by=request.user
            )
        except rounds.RoundError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Agreed coding recorded.")
        return redirect(
            reverse("coding_disagreements", args=[slug, round_.pk]) + f"#unit-{unit.pk}"
        )
    contested = rounds.disagreements(round_)
    agreed = {}
    for coding in Coding.objects.filter(round=round_, origin=Coding.Origin.ADJUDICATED):
        agreed.setdefault(coding.post_id, set()).add(coding.code_id)
    codes = [c for c in round_.codebook_version.codes if c["is_codable"]]
    return _page(
        request,
        "coding/disagreements.html",
        project,
        round=round_,
        contested=[
            (unit, by_coder, agreed.get(unit.post_id, set())) for unit, by_coder in contested
        ],
        codes=codes,
    )


# --- Exchange ---------------------------------------------------------------------------


@login_required
def exchange_page(request, slug):
    project = get_project(request, slug, "view_posts")
    report = None
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        get_project(request, slug, "import_posts")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = exchange.import_qdpx(
                    project, upload.read(), by=request.user, file_name=upload.name
                )
            except refi.RefiError as error:
                messages.error(request, str(error))
    return _page(request, "coding/exchange.html", project, form=form, report=report)


@login_required
def exchange_export(request, slug):
    project = get_project(request, slug, "export")
    data = exchange.export_qdpx(project, by=request.user)
    return _download(data, f"{project.slug}-{exchange.now_stamp()}.qdpx", "application/zip")


# --- Auto-coding --------------------------------------------------------------------------


@login_required
def suggestions(request, slug):
    project = get_project(request, slug, "view_posts")
    form = RuleForm(request.POST or None, project=project)
    training = None
    if request.method == "POST":
        get_project(request, slug, "manage_codebook")
        action = request.POST.get("action")
        try:
            if action == "add_rule" and form.is_valid():
                data = form.cleaned_data
                rule = AutoRule.objects.create(
                    project=project,
                    code=data["code"],
                    kind=data["kind"],
                    pattern=autocode.check_rule(data["kind"], data["pattern"]),
                    created_by=request.user,
                )
                count = autocode.run_rule(rule, by=request.user)
                messages.success(
                    request, f"The rule suggested “{rule.code.name}” for {count} posts."
                )
                return redirect("coding_suggestions", slug=slug)
            if action == "train":
                training = autocode.train_and_suggest(project, by=request.user)
        except autocode.AutoCodeError as error:
            messages.error(request, str(error))
    pending = (
        Coding.objects.filter(project=project, status=Coding.Status.SUGGESTED)
        .select_related("code", "post", "rule")
        .order_by("-confidence", "id")
    )
    return _page(
        request,
        "coding/suggestions.html",
        project,
        form=form,
        rules=project.auto_rules.select_related("code"),
        pending=pending[:100],
        pending_count=pending.count(),
        training=training,
    )


@login_required
@require_POST
def review_suggestion(request, slug, coding_id):
    project = get_project(request, slug, "code_posts")
    coding = get_object_or_404(
        Coding, project=project, pk=coding_id, status=Coding.Status.SUGGESTED
    )
    autocode.review(coding, request.POST.get("decision") == "accept", by=request.user)
    if request.htmx:
        return HttpResponse("")
    return redirect("coding_suggestions", slug=slug)


# --- Reports ---------------------------------------------------------------------------


@login_required
def reports(request, slug):
    project = get_project(request, slug, "view_posts")
    attribute = request.GET.get("by", "platform")
    if attribute not in queries.ATTRIBUTES:
        attribute = "platform"
    columns, matrix_rows = queries.matrix_by(project, attribute)
    codes, co_matrix = queries.cooccurrence(project)
    result = None
    ids = _query_ids(request.GET)
    if ids["all"] or ids["any"]:
        try:
            result = queries.coding_query(project, ids["all"], ids["any"], ids["none"])
        except queries.QueryError as error:
            messages.error(request, str(error))
    return _page(
        request,
        "coding/reports.html",
        project,
        frequencies=queries.frequencies(project),
        codes=codes,
        co_rows=list(zip(codes, co_matrix, strict=True)),
        attribute=attribute,
        attributes=queries.ATTRIBUTES,
        columns=columns,
        matrix_rows=matrix_rows,
        result=result[:50] if result is not None else None,
        result_count=result.count() if result is not None else 0,
        selected=ids,
        saved=_saved_queries(project),
    )


def _query_ids(data):
    """The coding query's code ids: {"all": [...], "any": [...], "none": [...]}."""
    return {k: [int(v) for v in data.getlist(k) if v.isdigit()] for k in ("all", "any", "none")}


def _saved_queries(project):
    """Saved queries, each with the subset it was saved as (None once that is deleted)."""
    subsets = {s.name: s for s in project.subsets.all()}
    return [(query, subsets.get(query.name)) for query in project.coding_queries.all()]


@login_required
@require_POST
def save_query(request, slug):
    """Save the coding query as an analyze Subset, so every analysis and export can use it.

    The SavedQuery row (same name) keeps the query's list on this page.
    """
    project = get_project(request, slug, "run_analysis")
    ids = _query_ids(request.POST)
    name = request.POST.get("name", "").strip()[:120] or "Coding query"
    back = reverse("coding_reports", args=[slug]) + "?" + urlencode(ids, doseq=True)
    if not (ids["all"] or ids["any"]):
        messages.error(request, "Choose at least one code the posts must have.")
        return redirect(back)
    params = clean_params({"code": ids["all"], "code_any": ids["any"], "not_code": ids["none"]})
    try:
        posts_for(project, params)  # every code must belong to this project
        with transaction.atomic():
            subset = Subset.objects.create(
                project=project, name=name, params=params, created_by=request.user,
                description="Saved from the coding query.",
            )  # fmt: skip
            SavedQuery.objects.create(
                project=project, name=name, all_of=ids["all"], any_of=ids["any"],
                none_of=ids["none"], created_by=request.user,
            )  # fmt: skip
    except FilterError as error:
        messages.error(request, str(error))
    except IntegrityError:
        messages.error(request, f"There is already a subset called “{name}”; choose another name.")
    else:
        AuditEvent.record(
            request.user, project, "subset.create", target=subset.name, params=subset.params
        )
        messages.success(
            request,
            f"Saved the query as the subset “{name}”: every analysis and export can now use it.",
        )
    return redirect(back)


@login_required
def matrix_download(request, slug, fmt):
    project = get_project(request, slug, "export")
    AuditEvent.record(request.user, project, "coding.matrix_export", target=fmt)
    if fmt == "xlsx":
        return _download(
            queries.matrix_xlsx(project),
            f"{project.slug}-codes.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return _download(queries.matrix_csv(project), f"{project.slug}-codes.csv", "text/csv")
