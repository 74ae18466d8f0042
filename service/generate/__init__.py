"""Synthetic CityNet source folders of any size, for benchmarks and scale tests.

``citynet generate --triples N --out DIR`` writes a folder that ``citynet build --root DIR``
builds: see :mod:`service.generate.dataset`.
"""
