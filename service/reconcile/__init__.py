"""Entity reconciliation (W3C Reconciliation Service API 0.2): match a portal's names against
the dataset's cities, groups, networks, people and countries.

``match`` (pure scoring), ``schema`` (types and properties offered), ``index`` (entities read
from the store once per release), ``protocol`` (request parsing and response shapes). The
HTTP route is :mod:`service.web.routes.reconcile`.
"""
