"""ibm-geo: coverage planner for BNN's community-based recovery programme (IBM / Agen Pemulihan).

Data flows one way: ``io`` (load + validate) -> ``matching``/``join`` -> ``coverage``/``metrics``
-> ``scoring`` -> ``plan`` -> ``render``/``export``. One GeoDataFrame per kelurahan carries the
results through; see ``docs/ARCHITECTURE.md`` for its columns.
"""

__version__ = "0.1.0"
