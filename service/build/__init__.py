"""The build: parse the curated sources, validate them against the shapes, publish a release."""
