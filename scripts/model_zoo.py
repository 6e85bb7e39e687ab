"""Size and CPU cost of every model configuration: see src/jovis/models/zoo.py.

python scripts/model_zoo.py [size=256] [in_channels=1] [names=a,b]
    [encoder_width=W] [decoder_width=W]
Prints a table, then one JSON line {"size", "in_channels", "rows"}.
"""

import json
import sys

from jovis.models.zoo import zoo_table

KEYS = {"size", "in_channels", "names", "encoder_width", "decoder_width"}


def main(argv: list[str]) -> int:
    args = dict(a.split("=", 1) for a in argv if "=" in a)
    if len(args) != len(argv) or set(args) - KEYS:
        print(__doc__, file=sys.stderr)
        return 2
    size, channels = int(args.get("size", 256)), int(args.get("in_channels", 1))
    names = args["names"].split(",") if "names" in args else None
    widths = {k: float(args[k]) for k in ("encoder_width", "decoder_width") if k in args}
    rows = zoo_table(size, channels, names, widths)
    for r in rows:
        figures = (
            r.get("error")
            or f"{r['parameters'] / 1e6:6.2f} M  {r['fp16_mb']:6.2f} MB  {r['cpu_ms']:7.1f} ms"
        )
        print(f"{r['model']:28s} {figures}")
    print(json.dumps({"size": size, "in_channels": channels, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
