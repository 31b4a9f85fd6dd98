"""Counts as platforms send them: ints, digit strings (X view counts), or junk.

Timestamps, tags and links have their helpers in `normalise`.
"""

# Past what a count can be: damage. No platform counts past JavaScript's exact whole
# numbers, and the sum of a post's counts is stored (for sorting) in 64 bits: two
# counts of 2**63 - 1 ended an import with a traceback.
MAX_COUNT = 2**53 - 1


def count(value):
    """An engagement count, or None when the value is not a whole number."""
    # An int first: nearly every count is one, and this runs several times per post.
    # (`type`, not isinstance: True is no count.)
    if type(value) is not int:
        if isinstance(value, float) and value.is_integer():  # pandas' 10.0
            value = int(value)
        elif isinstance(value, str) and value.isdigit():
            value = int(value)
        else:
            return None
    return value if -MAX_COUNT <= value <= MAX_COUNT else None
