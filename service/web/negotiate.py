"""Content negotiation, as pure functions: Accept with q-values, suffixes, ``format``, languages.

Kept free of Flask so the rules are unit-tested directly; the routes pass header values in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from service import media


@dataclass(frozen=True)
class Range:
    """One media range of an Accept header (``type/subtype;q=…``)."""

    type: str
    subtype: str
    q: float
    order: int

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return self.type in ("*", t) and self.subtype in ("*", s)


def _q(value: str) -> float:
    try:
        q = float(value)
    except ValueError:
        return 0.0
    return min(max(q, 0.0), 1.0)


def _weighted(header: str) -> Iterator[tuple[int, str, float]]:
    """(position, lowercased value, q) of each comma-separated item of an Accept-* header."""
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _q(value.strip())
        if pieces[0]:
            yield order, pieces[0].lower(), q


def parse_accept(header: str | None) -> list[Range]:
    """Parse an Accept header; an absent or empty header accepts anything (``*/*``)."""
    if not header or not header.strip():
        return [Range("*", "*", 1.0, 0)]
    ranges = []
    for order, kind, q in _weighted(header):
        if kind == "*":
            kind = "*/*"
        t, slash, s = kind.partition("/")
        if not slash or not t or not s:
            continue
        ranges.append(Range(t, s, q, order))
    return ranges


def best_match(header: str | None, offers: Sequence[str]) -> str | None:
    """The offer with the highest q-value (ties: the server's order); None if none acceptable.

    An explicit range beats a wildcard of equal q, so ``text/turtle, */*`` picks Turtle even
    when the server lists another format first.
    """
    ranges = parse_accept(header)
    scored = []
    for index, offer in enumerate(offers):
        matching = [r for r in ranges if r.matches(offer)]
        if not matching:
            continue
        best = max(matching, key=lambda r: r.specificity)
        if best.q <= 0:
            continue
        scored.append((-best.q, -best.specificity, best.order, index, offer))
    return min(scored)[-1] if scored else None


def _offers_for(formats: Sequence[media.RdfMedia | media.ResultsMedia]) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = []
    for fmt in formats:
        pairs.append((fmt.media_type, fmt))
        pairs.extend((alias, fmt) for alias in fmt.aliases)
    return pairs


def choose(header: str | None, formats: Sequence, *, html: bool = False):
    """Pick among ``formats`` (media objects, or the string ``media.HTML`` when ``html``).

    Returns the chosen format object, ``media.HTML``, or None when nothing is acceptable.
    HTML is offered first, so a browser's ``text/html,…,*/*;q=0.8`` gets a page.
    """
    pairs: list[tuple[str, object]] = [(media.HTML, media.HTML)] if html else []
    if html:
        pairs.append(("application/xhtml+xml", media.HTML))
    pairs += _offers_for(formats)
    chosen = best_match(header, [p[0] for p in pairs])
    if chosen is None:
        return None
    return next(obj for mt, obj in pairs if mt == chosen)


def rdf_format(name: str | None) -> media.RdfMedia | None:
    """An RDF format from a ``format`` parameter or suffix (``ttl``, ``turtle``, ``text/turtle``)."""
    return media.rdf_by_name(name) if name else None


SUFFIX_FORMATS: dict[str, object] = {"html": media.HTML, **{
    f.suffix: f for f in media.GRAPH_FORMATS}}


def split_suffix(path: str) -> tuple[str, str | None]:
    """Split ``city/barcelona.ttl`` into (``city/barcelona``, ``ttl``); no dot -> no suffix."""
    last = path.rsplit("/", 1)[-1]
    if "." not in last:
        return path, None
    stem, _, suffix = path.rpartition(".")
    return stem, suffix


def by_suffix(suffix: str) -> object | None:
    """The format a document suffix selects (HTML or a graph format), or None if unknown."""
    return SUFFIX_FORMATS.get(suffix.lower())


def parse_languages(header: str | None) -> list[str]:
    """Accept-Language as a list of lowercase tags, best first (q=0 dropped)."""
    if not header:
        return []
    tagged = [(-q, order, tag) for order, tag, q in _weighted(header) if q > 0]
    return [tag for _, _, tag in sorted(tagged)]


def language_rank(languages: Sequence[str], tag: str | None) -> tuple[int, int]:
    """Sort key for a literal's language tag: preferred languages first, then English, then
    untagged, then anything else. Lower is better."""
    tag = (tag or "").lower()
    for index, wanted in enumerate(languages):
        if wanted == "*" and tag:
            return (0, index)
        if tag == wanted or tag.startswith(wanted + "-") or wanted.startswith(tag + "-") and tag:
            return (0, index)
    if tag == "en" or tag.startswith("en-"):
        return (1, 0)
    if not tag:
        return (2, 0)
    return (3, 0)
