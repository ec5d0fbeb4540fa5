"""Road-network travel from an OpenStreetMap extract: read, profile, graph, snap, route.

``read_osm`` -> :class:`RoadNetwork` (geographic, per profile) -> :meth:`RoadNetwork.graph`
(:class:`RoadGraph` in the analysis CRS) -> bounded multi-source searches that produce the same
sparse pairs as the straight-line KD-tree. ``ibm_geo.distance`` is the one seam through which
coverage, the score's distance and the plan use it.
"""

from .network import OSM_CREDIT, RoadNetwork
from .osm import read_osm
from .profiles import PROFILES, get_profile
from .routing import RoadGraph, Snap

__all__ = ["OSM_CREDIT", "PROFILES", "RoadGraph", "RoadNetwork", "Snap", "get_profile", "read_osm"]
