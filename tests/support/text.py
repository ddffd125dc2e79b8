import re


def must_search(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """re.search for a piece of a page the test needs: its absence fails the test with the pattern named."""
    found = re.search(pattern, text, flags)
    assert found is not None, f"{pattern!r} not found in {text[:300]!r}…"
    return found
