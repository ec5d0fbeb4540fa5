"""Input loading and validation: point tables and kelurahan boundaries in canonical columns."""

from ibm_geo.io.boundaries import BOUNDARY_COLUMNS, read_boundaries
from ibm_geo.io.sqldump import read_sql_dump
from ibm_geo.io.tables import COLUMNS, KINDS, read_points

__all__ = [
    "BOUNDARY_COLUMNS",
    "COLUMNS",
    "KINDS",
    "read_boundaries",
    "read_points",
    "read_sql_dump",
]
