"""Counts as platforms send them: ints, digit strings (X view counts), or junk.

Timestamps, tags and links have their helpers in `normalise`.
"""


def count(value):
    """An engagement count, or None when the value is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():  # pandas' 10.0
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
