"""jovis labels: annotations in the tools scientists use ↔ jovis's labelled frame sets.

    jovis labels import annotations=FILE|DIR|GLOB frames=DIR [out=DIR] [unlabelled=ignore]
    jovis labels export predictions=DIR [out=DIR] [formats=[geojson,labelme,ds9]]

``configs/labels.yaml`` is composed on its own (from Hydra's config store), like evaluate's: the
folder's ``labels/`` group holds the label schemas, chosen here with ``schema=``. The word after
``labels`` becomes ``action=``. Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig

from jovis.apps.common import checked, jovis_app, report, store_config
from jovis.config import CONFIG_DIR, to_plain

CONFIG_NAME = store_config("labels", groups=())
ACTIONS = ("import", "export")
IMPORT_KEYS = ("format", "unlabelled", "latitude", "longitude", "axes", "min_confidence",
               "classes", "split", "overwrite", "map")  # fmt: skip


def load_schema(name: str):
    """configs/labels/<name>.yaml, or a YAML file of that schema."""
    from jovis.frame import LabelSchema

    path = (
        Path(name)
        if str(name).endswith((".yaml", ".yml"))
        else CONFIG_DIR / "labels" / f"{name}.yaml"
    )
    if not path.is_file():
        choices = ", ".join(p.stem for p in sorted((CONFIG_DIR / "labels").glob("*.yaml")))
        raise FileNotFoundError(f"schema={name}: no such schema; choose {choices} or a .yaml path")
    return LabelSchema.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def labels_from_config(cfg: Any) -> dict[str, Any]:
    """Run `action` of a composed ``configs/labels.yaml``."""
    from jovis.annotations import export_run, import_annotations

    plain = to_plain(cfg)
    action = plain.get("action")
    if action not in ACTIONS:
        raise ValueError(
            f"action={action}: give one of {', '.join(ACTIONS)} "
            "(jovis labels import ... or jovis labels export ...)"
        )
    schema = load_schema(str(plain["schema"]))
    if action == "export":
        if not plain.get("predictions"):
            raise ValueError("labels export needs predictions=DIR (the out= folder of jovis infer)")
        out = plain.get("out") or Path(plain["predictions"]) / "labels"
        return export_run(plain["predictions"], out, schema, tuple(plain["formats"]))
    for key in ("annotations", "frames"):
        if not plain.get(key):
            raise ValueError(f"labels import needs {key}=... (see configs/labels.yaml)")
    settings = {k: plain[k] for k in IMPORT_KEYS}
    settings["classes"] = dict(settings["classes"] or {})
    return import_annotations(plain["annotations"], plain["frames"], plain.get("out"), schema,
                              settings, instrument=plain.get("instrument"))  # fmt: skip


@jovis_app("labels", CONFIG_NAME)
def _main(cfg: DictConfig) -> None:
    result = labels_from_config(checked(cfg, nullable=()))
    for item in result.pop("skipped_shapes", [])[:50]:
        print(f"not placed: {item['where']} ({item.get('label')}): {item['reason']}")
    report(f"jovis labels {cfg.action}", result)


def main() -> None:
    """`jovis labels import|export key=value ...`: the action word becomes ``action=``."""
    args = sys.argv[1:]
    if args and args[0] in ACTIONS:
        sys.argv = [sys.argv[0], f"action={args[0]}", *args[1:]]
    elif args and "=" not in args[0] and not args[0].startswith("-"):  # a misspelt action
        near = difflib.get_close_matches(args[0], ACTIONS, n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        print(f"jovis labels: unknown action {args[0]!r}{hint}; give one of "
              f"{', '.join(ACTIONS)}", file=sys.stderr)  # fmt: skip
        sys.exit(1)
    _main()


if __name__ == "__main__":
    main()
