"""Vega-Lite charts, rendered to SVG and PNG on the server with vl-convert.

Why on the server: the Content-Security-Policy forbids inline scripts and eval, and
Vega's in-browser runtime needs eval to compile expressions. vl-convert carries its
own engine (no network, no browser), so the chart in the page, the SVG/PNG downloads
and the figures in a report are the same picture. Pure: no Django.
"""

import csv
import hashlib
import io
import re
from functools import lru_cache

import orjson
import vl_convert

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"  # an identifier; never fetched
WIDTH = 640
FONT = "sans-serif"


def bar_chart(rows, *, category, value="posts", title, category_title, value_title="Posts"):
    """Horizontal bars, largest first, for a top-N list."""
    return _spec(
        rows,
        title,
        {
            "mark": {"type": "bar", "color": "#2f6f73"},
            "encoding": {
                "y": {"field": category, "type": "nominal", "sort": "-x", "title": category_title},
                "x": {"field": value, "type": "quantitative", "title": value_title},
                "tooltip": [{"field": category}, {"field": value}],
            },
        },
    )


def time_chart(rows, *, period="period", value="posts", series="platform", title, unit):
    """One line per series over time; `unit` is "hour", "day", "week" or "month"."""
    time_unit = {"hour": "yearmonthdatehours", "day": "yearmonthdate", "week": "yearmonthdate"}
    return _spec(
        rows,
        title,
        {
            "mark": {"type": "line", "point": len(rows) < 60},
            "encoding": {
                "x": {
                    "field": period,
                    "type": "temporal",
                    "timeUnit": {"unit": time_unit.get(unit, "yearmonth"), "utc": True},
                    "title": unit.capitalize(),
                },
                "y": {"field": value, "type": "quantitative", "title": value.capitalize()},
                "color": {"field": series, "type": "nominal", "title": series.capitalize()},
                "tooltip": [{"field": period}, {"field": series}, {"field": value}],
            },
        },
    )


def _spec(rows, title, body):
    return {
        "$schema": SCHEMA,
        "title": title,
        "width": WIDTH,
        "data": {"values": rows},
        "config": {"font": FONT, "view": {"stroke": None}},
        **body,
    }


def to_svg(spec, *, title, description):
    """The chart as an accessible SVG: role="img" with a <title> and <desc> screen readers read."""
    svg = _render_svg(orjson.dumps(spec, option=orjson.OPT_SORT_KEYS).decode())
    ident = "chart-" + hashlib.sha1(svg.encode()).hexdigest()[:10]
    accessible = (
        f'<svg role="img" aria-labelledby="{ident}-t {ident}-d" '
        f'class="chart" preserveAspectRatio="xMinYMin meet"'
    )
    svg = svg.replace("<svg", accessible, 1)
    svg = re.sub(r'(<svg [^>]*?) width="[\d.]+" height="[\d.]+"', r"\1", svg, count=1)
    head = f'<title id="{ident}-t">{_xml(title)}</title><desc id="{ident}-d">{_xml(description)}</desc>'
    return re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + head, svg, count=1)


def to_png(spec):
    return vl_convert.vegalite_to_png(spec, scale=2)


def to_csv(rows, columns):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()


@lru_cache(maxsize=64)
def _render_svg(spec_json):
    # Same data, same picture: dashboards are re-read far more often than data changes.
    return vl_convert.vegalite_to_svg(orjson.loads(spec_json))


def _xml(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
