"""Store access: the only layer that opens or queries a triplestore."""

from service.store.base import Store
from service.store.embedded import EmbeddedStore

__all__ = ["EmbeddedStore", "Store", "open_store"]


def open_store(settings) -> Store:
    """The store the settings name (the embedded pyoxigraph store)."""
    if settings.backend == "embedded":
        return EmbeddedStore(settings.var)
    raise ValueError(f"unknown backend {settings.backend!r} (this version has: embedded)")
