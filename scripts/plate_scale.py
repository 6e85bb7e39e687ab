"""Plate scale of a checkpoint's perspective training views against the JunoCam products as fed.

    python scripts/plate_scale.py [model=visible_rgb] [out=outputs/plate_scale]
        [synthetic=48]   # rendered training frames for the vortex rows (0: none)
        [views=4000]     # sampled training views for the sub-spacecraft row (no rendering)

The checkpoint's recorded geometry gives the zoom ``infer resample=auto`` applies to a 1600 px
product (its view side over the product's side) and its config's ``data.params`` the training
views. Rows (10/25/50/75/90th percentiles, training beside products, ratio of the medians): km/px
at the sub-spacecraft point, km/px at each vortex, the vortices' major semi-axes in fed pixels
and their radii in km. Method: `jovis.realism.plate_scale`. Writes ``plate_scale.json`` under
`out` (temp file, rename).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jovis.apps.common import script_options
from jovis.checkpoint import load_checkpoint
from jovis.inference.scale import training_geometry
from jovis.paths import real_data_dir
from jovis.realism import plate_scale as ps
from jovis.references.frameset import ELLIPSES, STORED
from jovis.references.junocam_geometry import SHAPE
from jovis.released import resolve_model

KEYS = ("model", "out", "synthetic", "views")


def main(argv: list[str]) -> int:
    opts = script_options(argv, KEYS)
    pick = resolve_model(opts.get("model", "visible_rgb"))
    _, info = load_checkpoint(pick.path)
    geometry = training_geometry(info)
    if geometry is None or geometry.view_share == 0:
        raise SystemExit(f"{pick.path}: not trained on perspective views; nothing to compare")
    params = (info.config.get("data") or {}).get("params") or {}
    size = geometry.size
    zoom = ps.fed_zoom(geometry, SHAPE)
    views = ps.training_views(params, size, int(opts.get("views", 4000)))
    n = int(opts.get("synthetic", 48))
    train_vortices = ps.synthetic_vortices(n, size, params) if n > 0 else []
    real_products = ps.products(STORED / ELLIPSES, real_data_dir(), zoom, params, size)
    real_vortices = ps.reference_vortices(STORED / ELLIPSES, real_data_dir(), zoom)
    table = ps.compare(views, train_vortices, real_products, real_vortices)
    print(f"{pick.model}: {size} px frames, views of {geometry.view_side} px; a "
          f"{SHAPE[1]} px product is fed zoomed {zoom:.4g}x")  # fmt: skip
    for row in real_products:
        print(f"  {row['product']}: altitude {row['altitude_km']:.0f} km, "
              f"{row['km_px']:.1f} km/px, fed {row['km_px_fed']:.1f} km/px; training views at "
              f"that altitude {_fmt(row['training_at_altitude'])} km/px (10/50/90th pct), "
              f"ratio {row['ratio_at_altitude']:.2f}")  # fmt: skip
    for key, row in table.items():
        print(f"{key}: {json.dumps(row)}")
    out = Path(opts.get("out", "outputs/plate_scale"))
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "plate_scale.json.tmp"
    tmp.write_text(json.dumps({"model": pick.model, "zoom": zoom, "table": table,
                               "products": real_products, "reference_vortices": real_vortices,
                               "training_vortices": train_vortices}, indent=1))  # fmt: skip
    os.replace(tmp, out / "plate_scale.json")
    return 0


def _fmt(values: list[float]) -> str:
    return "/".join(f"{v:.0f}" for v in values)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
