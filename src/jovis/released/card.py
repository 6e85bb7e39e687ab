"""Model cards of released detectors: `card.json` filled from a run, and `CARD.md` from it."""

from __future__ import annotations

import csv
import json
import math
import platform
import subprocess
from pathlib import Path
from typing import Any

import torch

from jovis.checkpoint import read_checkpoint
from jovis.released import CARD_FIELDS, NAMES

LICENCE = (
    "Weights: BSD-3-Clause, as jovis. Trained only on synthetic frames rendered by jovis; no "
    "observation went into them."
)
CREDITS = (
    "jovis authors. Real-frame scores use NASA/ESA Hubble Space Telescope STIS frames (Nichols et "
    "al.; see ../shared/data/real/README.md) and NASA/JPL-Caltech/SwRI/MSSS JunoCam products."
)
FAILURE_MODES = {
    "uv": [
        "trained on synthetic frames only: faint dusk-side and poleward arcs of real HST frames "
        "(near the noise) are under-detected; see the real-frame scores by sector",
        "radial limb-brightening streaks near the limb can be marked as aurora",
    ],
    "visible_rgb": [
        "trained on synthetic frames only: small real JunoCam vortices are mostly missed",
        "bright limb and terminator can be marked; sky is masked by the disk finder",
    ],
    "jiram_l": ["trained on synthetic frames only; no real JIRAM frame was available to score it"],
    "jiram_m": ["trained on synthetic frames only; no real JIRAM frame was available to score it"],
}


def size_note(
    data: dict[str, Any], trainer: dict[str, Any], parent: dict[str, Any] | None = None
) -> str:
    """The training budget as a failure mode: what a CPU-sized recipe gives up."""
    steps = f"{trainer.get('max_steps')}"
    if parent and parent.get("steps"):
        steps = f"{parent['steps']} + {steps}"  # stage 1 + the fine-tune
    elif parent and parent.get("release"):
        steps = f"{parent['release']}'s + {steps}"
    return (f"CPU-sized ({steps} steps of {data.get('batch_size')} frames at "
            f"{data.get('size')} px): boundaries coarser than a GPU recipe's")  # fmt: skip


def trained_on(cfg: dict[str, Any]) -> tuple[str, str | None]:
    """The `trainer=` word of a run's command and its hardware line, from its config.yaml: a run
    of `make gpu-release` (trainer=gpu) is not a CPU-sized recipe. (None: the CPU line.)"""
    accelerator = str(cfg["trainer"].get("accelerator") or cfg.get("device") or "cpu").lower()
    if accelerator in ("cuda", "gpu"):
        precision = cfg["trainer"].get("precision", "auto")
        return "gpu", f"one CUDA GPU (trainer=gpu, precision {precision}): a GPU-trained recipe"
    return "cpu", None


def _override(key: str, value: Any, present: bool) -> str:
    """One Hydra override of `key` (``+`` when the recipe lacks it)."""
    text = json.dumps(value).replace(" ", "") if isinstance(value, list | dict) else value
    arg = f"{'' if present else '+'}{key}={text}"
    return f"'{arg}'" if isinstance(value, list | dict) else arg


# a run's settings its card's command repeats where they differ from the recipe's (seed and
# steps always): what shapes the weights, not where the run wrote them
RECIPE_KEYS = (
    "optim.",
    "loss.",
    "data.params.",
    "data.size",
    "data.supersample",
    "data.batch_size",
    "init.lr_scale",
    "init.freeze_encoder_steps",
    "init.reset_head",
)


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{dotted key: value} of a nested config; lists and empty mappings are values."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            out.update(_leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9)
    return a == b


def recipe_overrides(cfg: dict[str, Any], recipe: str, trainer_word: str) -> list[str]:
    """The overrides that make `recipe` (composed with ``trainer=<trainer_word>``) into the
    run's `cfg`: its seed and steps, then every `RECIPE_KEYS` value that differs
    (``+key=`` where the recipe lacks it, ``~key`` where the run dropped it)."""
    from jovis.config import compose_train, to_plain

    base = _leaves(to_plain(compose_train([f"experiment={recipe}", f"trainer={trainer_word}"])))
    run = _leaves(cfg)
    if run.get("init.model"):  # a fine-tune's config holds the lr it ran at: init's lr × lr_scale
        base["optim.lr"] = base["optim.lr"] * run["init.lr_scale"]
    out = [f"seed={cfg.get('seed')}", f"trainer.max_steps={cfg['trainer'].get('max_steps')}"]
    return out + _differences(run, base, RECIPE_KEYS)


def _differences(run: dict[str, Any], base: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    """Overrides turning the dotted leaves `base` into `run`, for keys starting with `keys`:
    ``key=`` where a value differs, ``+key=`` where base lacks it, ``~key`` where run does."""
    changed = [k for k, v in run.items() if k not in base or not _same(base[k], v)]
    out = [_override(k, run[k], k in base) for k in changed if k.startswith(keys)]
    return out + [f"~{key}" for key in base if key.startswith(keys) and key not in run]


def parent_stage(
    info: dict[str, Any], recipe: str, params: dict[str, Any], trainer_word: str
) -> dict[str, Any] | None:
    """The first stage of a fine-tuned release (its checkpoint's ``parent``: `init=`): the
    parent's run, seed, steps and data params, and a command that re-makes it from the
    release's own recipe plus the params that differ. None for a run trained from scratch.
    The parent's model.pt must be where the run found it, or only its sha256 is known."""
    parent = info.get("parent")
    if not parent:
        return None
    path = Path(parent["path"])
    stage: dict[str, Any] = {"model": str(path), "sha256": parent.get("sha256")}
    tag = released_tag(path)
    if tag is not None:  # fine-tuned from shipped weights: their own card re-makes them
        return {**stage, "model": tag, "release": tag,
                "command": f"the released {tag} (its card's command re-makes it)"}  # fmt: skip
    if not path.is_file():
        return {**stage, "command": "unknown: the parent checkpoint is not at its path"}
    cfg = read_checkpoint(path)["jovis"]["config"]
    pparams = cfg["data"].get("params") or {}
    prefix = ("data.params.",)
    diff = _differences(_leaves(pparams, prefix[0]), _leaves(params, prefix[0]), prefix)
    steps = cfg["trainer"].get("max_steps")
    stage.update(run=path.parent.name, seed=cfg.get("seed"), steps=steps, params=pparams)
    stage["command"] = " ".join([
        f"python scripts/train.py experiment={recipe} trainer={trainer_word}",
        f"seed={cfg.get('seed')} trainer.max_steps={steps}", *diff])  # fmt: skip
    return stage


def training_command(base: str, parent: dict[str, Any] | None, overrides: list[str]) -> str:
    """The command that re-makes a release: the recipe (`base`) with the run's `overrides`
    (`recipe_overrides`); a fine-tune of shipped weights adds ``init=<tag>``; a fine-tune of
    another run first re-makes that run (its stage)."""
    tail = " ".join(overrides)
    if parent is None:
        return f"{base} {tail}".strip()
    if parent.get("release"):
        return f"{base} init={parent['release']} {tail}".strip()
    return f"{parent['command']}; then {base} init=<that run>/model.pt {tail}".strip()


def released_tag(path: Path) -> str | None:
    """``name-vK`` when `path` is the weights of a release shipped in the package, else None."""
    from jovis.released import RELEASED_DIR

    path = path.resolve()
    inside = path.parent.parent == RELEASED_DIR and path.name == "model.pt"
    return path.parent.name if inside else None


def last_validation(run: Path) -> dict[str, float]:
    """The last `val/...` row of the run's logs/metrics.csv (Lightning's CSV logger)."""
    path = run / "logs" / "metrics.csv"
    if not path.is_file():
        return {}
    found: dict[str, float] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            vals = {k[4:]: round(float(v), 4) for k, v in row.items() if k.startswith("val/") and v}
            if vals:
                found = {"step": int(row["step"]), **vals}
    return found


def run_minutes(run: Path) -> float:
    """Wall time of a run: its config.yaml (written at the start) to its model.pt (the end)."""
    start, end = (run / "config.yaml").stat().st_mtime, (run / "model.pt").stat().st_mtime
    return round((end - start) / 60, 1)


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).parent, timeout=10)  # fmt: skip
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def fill_card(
    name: str, version: int, run: Path, weights: Path, info: dict[str, Any],
    check: dict[str, Any], real: dict[str, Any] | None, minutes: float | None,
    notes: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """Every card field but sha256 (set once the file is final) from the run and the check."""
    cfg = info["config"]
    run_name = str(cfg["name"])  # the run's experiment: release_uv ← experiment=release/uv
    recipe = f"release/{run_name[8:]}" if run_name.startswith("release_") else run_name
    recipe = notes.get("recipe") or recipe  # a run renamed with name= (release.py recipe=)
    data, trainer = cfg["data"], cfg["trainer"]
    params = sum(v.numel() for v in torch.load(weights, weights_only=True)["state_dict"].values())
    trainer_word, gpu_line = trained_on(cfg)
    parent = parent_stage(info, recipe, data.get("params") or {}, trainer_word)
    command = training_command(
        f"python scripts/train.py experiment={recipe} trainer={trainer_word}", parent,
        recipe_overrides(cfg, recipe, trainer_word),
    )  # fmt: skip
    card = {
        "name": name, "version": version, "description": NAMES[name],
        "instrument": info["instrument"], "channels": info["channels"],
        "model": {**info["model"], "parameters": int(params)},
        "size_mb": round(weights.stat().st_size / 1e6, 2), "sha256": "",
        "training": {
            "command": command, **({"parent": parent} if parent else {}),
            "recipe": f"configs/experiment/{recipe}.yaml", "run": run.name,
            "seed": cfg.get("seed"), "steps": trainer.get("max_steps"),
            "batch_size": data.get("batch_size"), "size": data.get("size"),
            "lr": cfg.get("optim", {}).get("lr"), "minutes": minutes or run_minutes(run),
            "code": git_commit(),
        },
        "data": {"kind": "synthetic only (no adaptation frames)", "seed": data.get("seed"),
                 "val_seed": data.get("val_seed"), "hemisphere": data.get("hemisphere"),
                 "view": data.get("view", "polar"), "supersample": data.get("supersample", 1),
                 "params": data.get("params") or "defaults of configs/synth.yaml"},
        "hardware": notes.get("hardware") or gpu_line or (
            f"CPU only ({platform.machine()}, 2 cores shared with other jobs), no GPU used: "
            "a CPU-sized recipe"),
        "synthetic_heldout": notes.get("heldout") or {
            "frames": data.get("val_frames"), "seed": data.get("val_seed"),
            **last_validation(run)},
        "check": check,
        "real_frames": real or "not measured for this version",
        "failure_modes": notes.get("failure_modes") or [
            *FAILURE_MODES[name],
            *([] if gpu_line else [size_note(data, trainer, parent)])],
        "licence": LICENCE, "credits": CREDITS,
    }  # fmt: skip
    missing = [k for k in CARD_FIELDS if k not in card]
    if missing:
        raise ValueError(f"model card of {name}-v{version} lacks {missing}")
    return card


def card_markdown(card: dict[str, Any]) -> str:
    """CARD.md: the card for people."""
    t, c = card["training"], card["check"]
    lines = [
        f"# {card['name']}-v{card['version']}: {card['description']}", "",
        f"- instrument: {card['instrument']} (channels {', '.join(card['channels'])})",
        f"- model: {card['model']['arch']}/{card['model']['encoder']}, "
        f"{card['model']['parameters']:,} parameters, {card['size_mb']} MB (fp16)",
        f"- sha256 of model.pt: `{card['sha256']}`",
        f"- training: `{t['command']}` ({t['recipe']}; seed {t['seed']}, {t['steps']} steps of "
        f"{t['batch_size']} frames at {t['size']} px, lr {t['lr']}, {t['minutes']} min, code "
        f"{t['code']}, run {t['run']})",
        *([_parent_line(t["parent"])] if t.get("parent") else []),
        f"- data: {card['data']['kind']}; training seeds from {card['data']['seed']}"
        + _supersample_words(card["data"].get("supersample", 1)),
        f"- hardware: {card['hardware']}",
        f"- synthetic held-out scores: {card['synthetic_heldout']}",
        f"- check: {c['metric']} = {c['score']:.3f} on 8 synthetic frames, seeds "
        f"{c['seeds'][0]}..{c['seeds'][-1]}, {c['size']} px (frames sha256 "
        f"`{c['frames_sha256'][:16]}…`); reproduce with `python scripts/release.py "
        f"check={card['name']}-v{card['version']}`",
        f"- real frames: {card['real_frames']}",
        "", "## Known failure modes", "", *[f"- {m}" for m in card["failure_modes"]],
        "", "## Licence and credits", "", card["licence"], "", card["credits"], "",
    ]  # fmt: skip
    return "\n".join(lines)


def _parent_line(parent: dict[str, Any]) -> str:
    if parent.get("release"):
        return (f"- fine-tuned from the released {parent['release']} (sha256 "
                f"`{parent.get('sha256')}`; its card re-makes it)")  # fmt: skip
    return (f"- fine-tuned from (stage 1): run {parent.get('run')}, seed {parent.get('seed')}, "
            f"{parent.get('steps')} steps, sha256 `{parent.get('sha256')}`")  # fmt: skip


def _supersample_words(k: int) -> str:
    """The card's words for ``data.supersample`` (nothing when off)."""
    if int(k or 1) == 1:
        return ""
    return (f"; each frame rendered at {k}x its size and shrunk as infer shrinks a real frame "
            f"(data.supersample={k})")  # fmt: skip
