"""Store access: the only layer that opens or queries a triplestore."""

from service.store.base import Store
from service.store.embedded import EmbeddedStore

__all__ = ["EmbeddedStore", "Store", "open_store"]


def open_store(settings, *, serving: bool = False) -> Store:
    """The store the settings name: the embedded pyoxigraph store or a remote SPARQL server.
    ``serving``: for a server, which refuses a release minted under another base IRI.

    Raises ValueError (one readable line) for an unknown backend or a remote one without URL.
    """
    store: Store
    if settings.backend == "embedded":
        store = EmbeddedStore(settings.var, settings.store_handle_memory)
    elif settings.backend == "remote":
        from service.store.remote import RemoteStore

        store = RemoteStore(settings)
    else:
        raise ValueError(f"unknown backend {settings.backend!r} (use embedded or remote)")
    if serving:
        from service.store.served import ServedStore

        return ServedStore(store, settings.base_iri)
    return store

