"""Guarded writes for the publisher: Graph Store Protocol and SPARQL Update, token-protected,
validated against the shapes and published atomically as a new release."""
