"""Make or check a released detector (src/jovis/released/<name>-v<k>/).

python scripts/release.py run=RUN_FOLDER name=uv [real=BENCH.json] [heldout=SET]
    [recipe=release/uv]   # the recipe, when the run was renamed with name=
python scripts/release.py check=uv-v1      # re-score the check frames from the shipped weights
"""

import json
import sys
import tempfile
from pathlib import Path

from jovis.released import find_release
from jovis.released.make import check_frames, check_score, release_run, sha256_of


def main(argv: list[str]) -> int:
    args = dict(a.split("=", 1) for a in argv if "=" in a)
    unknown = set(args) - {"run", "name", "real", "minutes", "check", "heldout", "recipe"}
    if unknown or len(args) != len(argv) or not ({"run", "name"} <= set(args) or "check" in args):
        print(__doc__, file=sys.stderr)
        return 2
    if "check" in args:
        rel = find_release(args["check"])
        score, digest = check_score(rel.weights, rel.card["check"], rel.check_set)
        with tempfile.TemporaryDirectory() as tmp:  # does today's generator render the same?
            today = check_frames(rel.card["check"], Path(tmp))
        result = {"model": rel.tag, "score": score, "card_score": rel.card["check"]["score"],
                  "same_frames": digest == rel.card["check"]["frames_sha256"],
                  "generator_unchanged": today == rel.card["check"]["frames_sha256"],
                  "sha256_ok": sha256_of(rel.weights) == rel.card["sha256"]}  # fmt: skip
    else:
        minutes = float(args["minutes"]) if "minutes" in args else None
        notes = {"recipe": args["recipe"]} if "recipe" in args else None
        rel = release_run(args["run"], args["name"], real=args.get("real"), minutes=minutes,
                          heldout=args.get("heldout"), notes=notes)  # fmt: skip
        result = {"model": rel.tag, "folder": str(rel.folder), **rel.card["check"]}
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
