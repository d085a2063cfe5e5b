"""Numbers written as text by clients (query strings, path parts, rendered templates)."""

MAX_DIGITS = 18  # any such number fits a signed 64-bit integer


def is_digits(raw: str) -> bool:
    """True when `int(raw)` is a non-negative 64-bit integer written in ASCII digits only.

    `str.isdigit()` alone accepts '²' (which int() refuses), other scripts' digits, and any length (int() refuses
    more than 4300 digits, PostgreSQL more than 64 bits)."""
    return 0 < len(raw) <= MAX_DIGITS and raw.isascii() and raw.isdigit()
