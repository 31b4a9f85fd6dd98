"""Filtering the audit log by person, action and time (the page and its CSV download)."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone

from socialgood.projects.models import AuditEvent


class AuditFilterForm(forms.Form):
    person = forms.ChoiceField(required=False, label="Who")
    action = forms.ChoiceField(required=False, label="What")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        people = events.order_by("actor_name").values_list("actor_name", flat=True).distinct()
        actions = events.order_by("action").values_list("action", flat=True).distinct()
        self.fields["person"].choices = [("", "Anyone"), *((p, p) for p in people)]
        self.fields["action"].choices = [
            ("", "Anything"),
            *((a, AuditEvent.DESCRIPTIONS.get(a, a)) for a in actions),
        ]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError("“From” must be on or before “To”.")
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data.get("person"):
            events = events.filter(actor_name=data["person"])
        if data.get("action"):
            events = events.filter(action=data["action"])
        zone = timezone.get_current_timezone()
        if data.get("since"):
            events = events.filter(at__gte=datetime.combine(data["since"], time.min, zone))
        if data.get("until"):
            end = datetime.combine(data["until"] + timedelta(days=1), time.min, zone)
            events = events.filter(at__lt=end)
        return events

    def used(self):
        """The filters in use, as plain values for the audit event of a download."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v}
