"""SHACL validation at scale: the shapes compiled to SPARQL and evaluated by pyoxigraph.

:mod:`service.shacl.shapes` reads the shapes (refusing unsupported features),
:mod:`service.shacl.compile` turns each constraint into one query, :mod:`service.shacl.engine`
runs them, and :mod:`service.shacl.reference` reads pySHACL's report into the same results.
"""
