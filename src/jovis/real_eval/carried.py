"""JunoCam products of one approach carried onto one polar grid through their view model
(`jovis.references.junocam_geometry`), so that their masks can be compared by latitude and
longitude: the label-free vortex agreement of perspective views taken minutes apart (issue 13,
temporal stability), which their own pixel grids cannot give (the spacecraft moves between
them)."""

from __future__ import annotations

import numpy as np

from jovis.frame import Frame
from jovis.geometry.polar import PolarGrid
from jovis.geometry.remap import square_polar_grid
from jovis.geometry.reproject import PerspectiveView, reproject_to_polar

# The common grid: 8 px a degree (~146 km a pixel at the pole), near the view model's accuracy
# (consecutive PJ44 products agree within ~90-130 km), out to 32° from the pole.
PX_PER_DEG = 8.0
MAX_COLATITUDE = 32.0


def common_grid(hemisphere: str) -> tuple[PolarGrid, tuple[int, int]]:
    size = round(2 * MAX_COLATITUDE * PX_PER_DEG)
    settings = {"size": size, "max_colatitude": MAX_COLATITUDE}
    return square_polar_grid(hemisphere, settings, "jovis.real_eval.carried"), (size, size)


def carry(frames: list[Frame], masks: list[np.ndarray], views: dict[str, PerspectiveView]
          ) -> list[tuple[list[Frame], list[np.ndarray]]]:  # fmt: skip
    """The frames with a view in `views` (by ``meta["product_id"]``, map-projected products
    only: the views were fitted on those) and their masks, resampled onto the common grid of
    their hemisphere (nearest pixel for the masks; off the limb or the product: invalid, 255);
    one (frames, masks) group per hemisphere, in the order given."""
    groups: dict[str, tuple[list[Frame], list[np.ndarray]]] = {}
    for frame, mask in zip(frames, masks, strict=True):
        pid = frame.meta.get("product_id")
        if (
            frame.grid is not None
            or pid not in views
            or frame.meta.get("product_kind") != "mapprojected"
        ):
            continue
        view = views[pid]
        hemisphere = "north" if view.sub_lat >= 0 else "south"
        grid, shape = common_grid(hemisphere)
        polar, polar_mask = reproject_to_polar(frame, view, grid, shape, mask=mask)
        group = groups.setdefault(hemisphere, ([], []))
        group[0].append(polar)
        group[1].append(polar_mask)
    return list(groups.values())
