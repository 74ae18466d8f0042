"""The label index of a release: label search and reconciliation without reading every label
of the dataset per request (built at build time, read with bounded SQLite lookups)."""
