"""Read OPML subscription lists, the format every feed reader exports."""

from __future__ import annotations

from pathlib import Path

#: How far into a file to look for the ``<opml`` root element when sniffing.
_SNIFF_BYTES = 2048


class OPMLError(ValueError):
    """The file is not a readable OPML document; the message says why."""


def looks_like_opml(path: Path) -> bool:
    """True when the file's root element appears to be ``<opml>``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    return b"<opml" in head.lower()


def read_opml(path: Path) -> list[str]:
    """The feed URLs (``xmlUrl``) of every outline in the file, nested folders included, in order.

    Parsed with defusedxml: entity declarations and external references are refused.
    """
    import defusedxml.ElementTree as ElementTree
    from defusedxml import DefusedXmlException

    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, DefusedXmlException, OSError) as exc:
        raise OPMLError(f"cannot read OPML file {path}: {exc}") from exc
    if root.tag.lower() != "opml":
        raise OPMLError(f"{path} is not OPML: its root element is <{root.tag}>")
    urls = []
    for outline in root.iter():
        if outline.tag.lower() != "outline":
            continue
        # Readers disagree on case: xmlUrl is the standard, xmlurl appears in the wild.
        url = next((value for key, value in outline.attrib.items() if key.lower() == "xmlurl"), "").strip()
        if url:
            urls.append(url)
    return list(dict.fromkeys(urls))
