"""Link features across time: vortex tracks with persistent ids, drift rates, the oval's series.

Modules, one job each: `observations` (the types, great-circle distance), `times` (observation
time of a frame), `inputs` (read inference folders, catalogues, GeoJSON, synthetic sequences),
`motion` (the polygon's solid-body rotation and each track's own drift), `link` (frame-to-frame
one-to-one assignment, gaps, births and deaths, ids), `drift` (per-track drift-rate fits),
`oval_series` (the oval per frame), `metrics` (IDF1, id switches, fragmentation, drift error),
`plots` (OpenCV charts), `outputs` (tracks.csv, tracks.geojson, report page), `run` (the whole).
"""

from jovis.tracking.link import LinkSettings, link_tracks
from jovis.tracking.observations import Detection, FrameObs, great_circle_km

__all__ = ["Detection", "FrameObs", "LinkSettings", "great_circle_km", "link_tracks"]
