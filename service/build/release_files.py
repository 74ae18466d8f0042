"""A release's files beside its store: the dumps and the label index, written whole by a
build, and for a write from the live release's, with what the write changed written again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from service.build.dump_rewrite import rewrite_dumps
from service.build.dumps import Sink, Written, write_dumps
from service.search.index_update import update_label_index
from service.search.label_index import write_label_index

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Revision:
    """What a write changed in the live release at ``previous`` (its folder): the named
    graphs (their dumps' parts are written again, the others' copied) and the things whose
    statements changed (their labels and reconciliation entities are updated in a copy of the
    live label index; None: not known, the index is written whole), and the counts of the
    result (the default graph's triples, each named graph's: the live release's with the
    change; None: not known, the store counts them)."""

    previous: Path
    graphs: frozenset[str]
    things: frozenset[str] | None
    counts: tuple[int, dict[str, int]] | None = None


def write_files(store: ox.Store, building: Path, base: str, prefixes: dict[str, str], *,
                disjoint: bool, sink: Sink | None = None,
                revision: Revision | None = None) -> Written:
    """Write the dumps (``building/dumps``) and the label index of the release in ``store``:
    given the ``revision`` a write made, from the live release's when they can be
    (:func:`rewrite_dumps`, :func:`update_label_index`), else whole (``sink``, see
    :func:`write_dumps`, is only fed then)."""
    written = None
    if revision is not None:
        try:
            written = rewrite_dumps(store, building / "dumps", prefixes,
                                    revision.previous / "dumps", set(revision.graphs), disjoint)
        except (ValueError, KeyError, TypeError) as exc:  # a layout that does not fit its files
            log.warning("the live release's dump parts cannot be reused (%s): "
                        "writing every dump", exc)
    if written is not None and sink is None:
        _label_index(store, building, base + "id/", revision)
        return written
    # the label index is written while the last dumps are (both mostly outside the GIL)
    return write_dumps(
        store, building / "dumps", prefixes, sink, disjoint=disjoint,
        meanwhile=[lambda held=store: _label_index(held, building, base + "id/", revision)])


def _label_index(store: ox.Store, building: Path, id_space: str,
                 revision: Revision | None) -> None:
    """The release's label index: the live one updated for what a write changed when it can
    be, else written whole."""
    if revision is None or revision.things is None or not update_label_index(
            store, revision.previous, building, id_space, revision.things):
        write_label_index(store, building, id_space)
