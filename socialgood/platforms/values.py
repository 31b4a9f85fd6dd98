"""Counts as platforms send them: ints, digit strings (X view counts), or junk.

Timestamps, tags and links have their helpers in `normalise`.
"""

# Past what a count can be: damage. No platform counts past JavaScript's exact whole
# numbers, and the sum of a post's counts is stored (for sorting) in 64 bits: two
# counts of 2**63 - 1 ended an import with a traceback.
MAX_COUNT = 2**53 - 1


def count(value):
    """An engagement count, or None when the value is not a whole number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():  # pandas' 10.0
        value = int(value)
    elif isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and -MAX_COUNT <= value <= MAX_COUNT:
        return value
    return None
