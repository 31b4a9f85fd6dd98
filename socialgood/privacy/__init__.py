"""Privacy core, free of Django: keyed pseudonyms (`pseudonyms`), contact scrubbing
(`scrub`) and authenticated encryption of keys and sensitive data (`crypto`)."""
