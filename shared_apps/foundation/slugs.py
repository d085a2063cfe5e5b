"""Slugs derived from names ("Acme Shop" -> "acme-shop") for organizations and projects created without one."""

import re
import unicodedata
from collections.abc import Callable

MAX_SUFFIX = 99


def slug_base(text: str, *, max_length: int, min_length: int = 1) -> str:
    """Lower-case ASCII letters and digits with single hyphens, starting with a letter; "" when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = re.sub(r"^[^a-z]+", "", slug)  # starts with a letter
    slug = slug[:max_length].rstrip("-")
    if slug and len(slug) < min_length:
        slug = f"{slug}-{'x' * (min_length - len(slug) - 1)}" if min_length - len(slug) > 1 else f"{slug}x"
    return slug


def slug_free(base: str, *, max_length: int, usable: Callable[[str], bool]) -> str | None:
    """`base`, else `base-2`, `base-3`, ... (at most MAX_SUFFIX): the first candidate `usable` accepts."""
    for n in range(1, MAX_SUFFIX + 1):
        suffix = "" if n == 1 else f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        if usable(candidate):
            return candidate
    return None
