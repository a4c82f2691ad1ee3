"""Entity names: how they are stored, and the key under which look-alikes meet (issue 11 §5)."""

import unicodedata


def normalise_name(raw: str) -> str:
    """An entity name as registered: NFKC (full-width letters and digits, compatibility forms), Unicode
    format characters taken out (zero-width space, right-to-left override: category Cf), every run of
    whitespace one space, none at either end. Look-alike names then compare equal."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def name_key(name: str) -> str:
    """What two names share when one only looks like the other: no spaces at all, case folded."""
    return "".join(normalise_name(name).split()).casefold()
