"""Running user-supplied SPARQL: limits, guards and the executor that enforces them."""
