"""Store access: the only layer that opens or queries a triplestore."""

from service.store.base import Store
from service.store.embedded import EmbeddedStore

__all__ = ["EmbeddedStore", "Store", "open_store"]


def open_store(settings) -> Store:
    """The store the settings name: the embedded pyoxigraph store or a remote SPARQL server.

    Raises ValueError (one readable line) for an unknown backend or a remote one without URL.
    """
    if settings.backend == "embedded":
        return EmbeddedStore(settings.var)
    if settings.backend == "remote":
        from service.store.remote import RemoteStore

        return RemoteStore(settings)
    raise ValueError(f"unknown backend {settings.backend!r} (use embedded or remote)")
