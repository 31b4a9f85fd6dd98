"""Template filters for showing times: `{% load times %}`."""

from django import template
from django.template.defaultfilters import date

register = template.Library()


@register.filter(expects_localtime=True)
def with_zone(value, format="j M Y H:i"):
    """The time followed by its zone, "27 Nov 2026 14:05 UTC", or "" for no time.

    Colleagues in other countries read the same pages, so a time of day always says which
    zone it is in. The zone is the one the page is shown in (settings.TIME_ZONE), never
    written into a template, so changing that setting keeps every page right.
    """
    return date(value, f"{format} T")
