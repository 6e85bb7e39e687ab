"""Re-make the reference labels of the shared real frames and write the stored set.

    python scripts/reference_labels.py [--real ../shared/data/real]
        [--out src/jovis/references/real_v2]
        [--overlays outputs/refs_overlays]

HST main-oval labels are traced from the frames (jovis.references.hst_oval); JunoCam vortex
labels come from the hand-placed ellipses in real_v2/junocam_ellipses.json. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json

from jovis.paths import real_data_dir
from jovis.references.frameset import STORED, build_reference_set


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", default=str(real_data_dir()), help="real-data root")
    parser.add_argument("--out", default=str(STORED), help="where to write the frame set")
    parser.add_argument("--overlays", default=None, help="folder for overlay PNGs")
    args = parser.parse_args(argv)
    result = build_reference_set(args.real, args.out, overlays=args.overlays)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
