"""Forms for collections and credentials; the per-platform parts are built from the
collector modules' QUERY_FIELDS and CREDENTIAL_FIELDS, so a new platform needs no form code."""

from datetime import UTC, datetime, time, timedelta

from django import forms

from socialgood.collect.collecting import usable_credentials
from socialgood.platforms import collectors

UNITS = (("minutes", "minutes"), ("hours", "hours"), ("days", "days"))
UNIT_MINUTES = {"minutes": 1, "hours": 60, "days": 1440}
SHORTEST_INTERVAL = 5  # minutes; more often mostly re-reads what was just read


def form_field(field, *, initial=None):
    """A Django form field for a collectors.Field."""
    common = {"label": field.label, "required": field.required, "help_text": field.help}
    if field.kind == "list":
        help_text = f"{field.help} One per line.".strip()
        return forms.CharField(
            **{**common, "help_text": help_text},
            widget=forms.Textarea(attrs={"rows": 3}),
            initial="\n".join(initial or []),
        )
    if field.kind == "bool":
        return forms.BooleanField(**{**common, "required": False}, initial=initial)
    if field.kind == "int":
        return forms.IntegerField(
            **common, initial=initial if initial is not None else field.default
        )
    if field.kind == "choice":
        return forms.ChoiceField(
            **common,
            choices=field.choices,
            initial=initial if initial is not None else field.default,
        )
    widget = forms.PasswordInput(render_value=False) if field.secret else forms.TextInput
    return forms.CharField(**common, widget=widget, initial=initial)


def field_value(field, value):
    if field.kind == "list":
        return [line.strip() for line in (value or "").splitlines() if line.strip()]
    if field.kind == "text":
        return (value or "").strip()
    return value


class CollectionForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="What the project calls it, e.g. “#SocialWork on Mastodon”."
    )
    platform = forms.ChoiceField(label="Platform")
    since = forms.DateField(
        required=False,
        label="Posts from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. Older posts are not collected.",
    )
    until = forms.DateField(
        required=False,
        label="Posts up to",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional, including that day (UTC).",
    )
    every_number = forms.IntegerField(
        required=False,
        min_value=1,
        label="Repeat every",
        help_text="Leave empty to collect once. Later runs collect only what is new.",
    )
    every_unit = forms.ChoiceField(choices=UNITS, initial="hours", label="Unit")
    enabled = forms.BooleanField(
        required=False, initial=True, label="Switched on", help_text="Off: the schedule is paused."
    )
    credential = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="None (public reading)", label="Credential"
    )

    def __init__(self, *args, project, user, platform, collection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.module = collectors.collector(platform)
        self.collection = collection
        self.project = project
        self.fields["platform"].choices = collectors.choices()
        self.fields["platform"].initial = platform
        if collection is not None:
            self.fields["platform"].disabled = True
        self.fields["credential"].queryset = usable_credentials(project, user, platform)
        self.fields["credential"].help_text = (
            f"{self.module.LABEL} needs one: add it on the credentials page."
            if self.module.CREDENTIAL_REQUIRED
            else "Optional."
        )
        query = collection.query if collection else {}
        for field in self.module.QUERY_FIELDS:
            self.fields[f"q_{field.name}"] = form_field(field, initial=query.get(field.name))

    def query_fields(self):
        return [self[f"q_{field.name}"] for field in self.module.QUERY_FIELDS if not field.advanced]

    def advanced_fields(self):
        return [self[f"q_{field.name}"] for field in self.module.QUERY_FIELDS if field.advanced]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = self.project.collections.filter(name=name)
        if self.collection is not None:
            others = others.exclude(pk=self.collection.pk)
        if others.exists():
            raise forms.ValidationError("The project already has a collection with this name.")
        return name

    def clean(self):
        data = super().clean()
        query = {
            field.name: field_value(field, data.get(f"q_{field.name}"))
            for field in self.module.QUERY_FIELDS
        }
        try:
            data["query"] = self.module.check_query(query)
        except collectors.QueryError as error:
            raise forms.ValidationError(str(error)) from None
        if data.get("every_number"):
            minutes = data["every_number"] * UNIT_MINUTES[data.get("every_unit") or "hours"]
            if minutes < SHORTEST_INTERVAL:
                self.add_error(
                    "every_number", f"Collect at most every {SHORTEST_INTERVAL} minutes."
                )
            data["every_minutes"] = minutes
        else:
            data["every_minutes"] = None
        since, until = data.get("since"), data.get("until")
        data["since_at"] = datetime.combine(since, time.min, UTC) if since else None
        data["until_at"] = (
            datetime.combine(until, time.min, UTC) + timedelta(days=1) - timedelta(microseconds=1)
            if until
            else None
        )
        if since and until and since > until:
            self.add_error("until", "The end comes before the start.")
        if self.module.CREDENTIAL_REQUIRED and not data.get("credential"):
            self.add_error("credential", f"{self.module.LABEL} needs a credential.")
        return data

    @classmethod
    def initial_for(cls, collection):
        every = collection.every_minutes
        unit = next(
            (name for name in ("days", "hours") if every and every % UNIT_MINUTES[name] == 0),
            "minutes",
        )
        return {
            "name": collection.name,
            "since": collection.since.date() if collection.since else None,
            "until": collection.until.date() if collection.until else None,
            "every_number": every // UNIT_MINUTES[unit] if every else None,
            "every_unit": unit,
            "enabled": collection.enabled,
            "credential": collection.credential_id,
        }


class CredentialForm(forms.Form):
    label = forms.CharField(max_length=100, help_text="To recognise it, e.g. “Lab Reddit app”.")
    owner = forms.ChoiceField(
        choices=(
            ("project", "This project (its analysts may use it)"),
            ("personal", "Only me (in any project)"),
        ),
        initial="project",
        widget=forms.RadioSelect,
        label="Who may use it",
    )

    def __init__(self, *args, platform, replacing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.module = collectors.collector(platform)
        if replacing:
            del self.fields["owner"]
            self.fields["label"].required = False
        for field in self.module.CREDENTIAL_FIELDS:
            self.fields[f"c_{field.name}"] = form_field(field)

    def secret_fields(self):
        return {
            field.name: self.cleaned_data.get(f"c_{field.name}")
            for field in self.module.CREDENTIAL_FIELDS
        }
