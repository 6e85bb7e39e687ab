"""`adapt(cfg)`: the self-training loop, as a plain function the app and the tests call.

Plain PyTorch (one process, one device): each step labels nothing new unless the pseudo-labels
are due (every ``teacher.refresh_every`` steps, and on a fresh start or resume), draws real
crops and a synthetic batch from (seed, step) only, takes one optimiser step on the student
and moves the teacher towards it. Every ``guard.every`` steps the guard measures the teacher;
the kept teacher weights are written as ``model.pt``. ``last.pt`` holds everything to resume
(exactly, with ``teacher.refresh_every: 1``).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf

from jovis.adapt import guard as guard_mod
from jovis.adapt.frames import RealFrame, read_unlabelled, split_heldout
from jovis.adapt.pseudo import ema_update, label_frames, label_stats
from jovis.adapt.record import CHECKPOINT_NAME, provenance, write_adapted
from jovis.adapt.settings import check_settings, crop_size
from jovis.adapt.state import file_digest, load_state, resume_paths, save_state
from jovis.adapt.steps import StepParts, batch_split, real_batch, synthetic_batch, train_step
from jovis.checkpoint import load_checkpoint
from jovis.config import to_plain
from jovis.data.augment import build_augment
from jovis.data.stream import SyntheticStream
from jovis.devices import resolve_device
from jovis.inference.predictor import Predictor
from jovis.inference.prepare import min_input_size
from jovis.inference.scale import training_geometry, usable_limb_hint
from jovis.io.atomic import write_json, write_text
from jovis.training.losses import build_loss
from jovis.training.module import augment_seed
from jovis.training.rng_state import capture_rng, restore_rng
from jovis.training.rundir import new_run_dir
from jovis.visibility import invisible_mask

log = logging.getLogger(__name__)
Measure = Callable[[int], dict[str, Any]]
SYNTH_SEED_OFFSET = 50_000_000  # adaptation's synthetic frames differ from training's


@dataclass
class Session:
    """Everything the loop moves forward."""

    cfg: dict[str, Any]
    info: Any
    student: torch.nn.Module
    teacher: torch.nn.Module
    labeller: Predictor
    optimiser: torch.optim.Optimizer
    loss_fn: torch.nn.Module
    parts: StepParts
    guard: guard_mod.Guard
    train: list[RealFrame]
    device: torch.device
    step: int = 0
    best: dict[str, torch.Tensor] = field(default_factory=dict)
    best_step: int = 0
    stopped: list[str] = field(default_factory=list)


def adapt(cfg: DictConfig | dict[str, Any], *, measure: Measure | None = None) -> dict[str, Any]:
    """Adapt ``cfg.ckpt`` to the frames of ``cfg.data``; returns figures and paths.

    `measure(step)` replaces the guard's measures (tests fake a collapse with it).
    """
    cfg = to_plain(cfg)
    check_settings(cfg)
    device = torch.device(resolve_device(cfg["device"]))
    student, info = load_checkpoint(cfg["ckpt"], device)
    digest = file_digest(cfg["ckpt"])
    limb = usable_limb_hint(training_geometry(info), cfg.get("limb_radius_px"))
    frames, left_out = read_unlabelled(cfg["data"], info, min_size=min_input_size(student, info),
                                       resample=cfg["resample"], px_per_deg=cfg.get("px_per_deg"),
                                       limb_radius_px=limb)  # fmt: skip
    train, heldout = split_heldout(frames, float(cfg["guard"]["heldout_share"]))
    paths = [rf.path for rf in frames]
    session = build_session(cfg, info, student, train, device)  # bad settings raise here
    measure = measure or default_measure(session, heldout)
    state = None
    if cfg.get("resume"):
        run_dir, state_path = resume_paths(cfg["resume"])
        state = load_state(state_path, parent=digest, frames=paths)
    else:
        run_dir = new_run_dir(cfg["out"], cfg["name"])
    write_text(run_dir / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(cfg)))
    if state is not None:
        restore(session, state)
    else:
        torch.manual_seed(int(cfg["seed"]))
        check(session, measure)  # step 0: the source checkpoint's measures, the baseline
    start = time.perf_counter()
    run(session, measure, run_dir, digest, paths)
    seconds = time.perf_counter() - start
    model = copy.deepcopy(session.teacher).cpu().to(memory_format=torch.contiguous_format)
    model.load_state_dict(session.best)
    adapted = provenance(cfg["ckpt"], digest, train, heldout, cfg, steps=session.step,
                         kept_step=session.best_step, stopped=session.stopped,
                         left_out=left_out)  # fmt: skip
    ckpt = write_adapted(run_dir / CHECKPOINT_NAME, model, info, adapted, session.guard.history)
    write_json(run_dir / "guard.json", session.guard.state_dict())
    baseline, last = session.guard.baseline, session.guard.history[-1]
    return {
        "out": str(run_dir), "checkpoint": str(ckpt), "parent": str(cfg["ckpt"]),
        "frames_train": len(train), "frames_heldout": len(heldout),
        "frames_left_out": len(left_out), "left_out": left_out,
        "steps": session.step,
        "kept_step": session.best_step, "stopped": session.stopped,
        "source": _rounded(baseline), "last": _rounded(last), "seconds": round(seconds, 1),
    }  # fmt: skip


def build_session(cfg: dict[str, Any], info: Any, student: torch.nn.Module,
                  train: list[RealFrame], device: torch.device) -> Session:  # fmt: skip
    """Student, EMA teacher (with its TTA predictor), optimiser, loss and batch sources."""
    tcfg, gcfg, data = cfg["teacher"], cfg["guard"], info.config.get("data") or {}
    teacher = copy.deepcopy(student).eval()
    student.to(memory_format=torch.channels_last).train()
    labeller = Predictor(teacher, info, device=str(device), tta=bool(tcfg["tta"]),
                         precision=str(cfg["precision"]))  # fmt: skip
    optimiser = torch.optim.AdamW(student.parameters(), lr=float(cfg["lr"]),
                                  weight_decay=float(cfg["weight_decay"]))  # fmt: skip
    schema = info.labels
    loss_fn = build_loss(info.config.get("loss"), schema.num_classes, schema.ignore_index)
    _, n_synth = batch_split(int(cfg["batch_size"]), float(cfg["real_share"]))
    stream = None
    if n_synth:
        stream = SyntheticStream(
            n_synth * int(cfg["steps"]), n_synth, size=crop_size(cfg, info),
            channels=list(info.channels), seed=int(cfg["seed"]) + SYNTH_SEED_OFFSET,
            hemisphere=data.get("hemisphere", "random"), params=data.get("params") or None,
            normalisation=info.normalisation, view=data.get("view", "polar"),
            supersample=data.get("supersample", 1),
        )  # fmt: skip
    synth_aug = build_augment(info.config.get("augment") or {})
    synth_aug = synth_aug if cfg["synthetic_augment"] else None
    parts = StepParts([rf.scaled.array for rf in train], [], stream,
                      build_augment(cfg.get("augment") or {}), synth_aug)  # fmt: skip
    guard = guard_mod.Guard(float(gcfg["agreement_drop"]), float(gcfg["synthetic_drop"]),
                            gcfg.get("area_ratio"), str(gcfg["keep"]))  # fmt: skip
    return Session(cfg, info, student, teacher, labeller, optimiser, loss_fn, parts, guard,
                   train, device)  # fmt: skip


def default_measure(session: Session, heldout: list[RealFrame]) -> Measure:
    """The guard's measures of the teacher: held-out agreement and area share, and the IoU
    of a fixed synthetic set rendered once (seed ``guard.synthetic_seed``)."""
    cfg, info = session.cfg, session.info
    gcfg, data = cfg["guard"], info.config.get("data") or {}
    predictor = Predictor(session.teacher, info, device=str(session.device),
                          tta=bool(gcfg["tta"]), precision=str(cfg["precision"]))  # fmt: skip
    n = int(gcfg["synthetic_frames"])
    seed = gcfg.get("synthetic_seed")
    seed = int(data.get("val_seed", 10_000_000) if seed is None else seed)
    images = masks = None
    if n:
        fixed = SyntheticStream(
            n,
            n,
            size=crop_size(cfg, info),
            channels=list(info.channels),
            seed=seed,
            hemisphere=data.get("hemisphere", "random"),
            params=data.get("params") or None,
            normalisation=info.normalisation,
            view=data.get("view", "polar"),
            supersample=data.get("supersample", 1),
        ).render(0, 0, 0, session.device)
        images, masks = fixed["image"].cpu().numpy(), fixed["mask"].cpu().numpy()  # fmt: skip
    visible = list(info.visible_classes)

    def measure(step: int) -> dict[str, Any]:
        out: dict[str, Any] = guard_mod.heldout_scores(predictor, heldout)
        out["synthetic_iou"] = (
            guard_mod.synthetic_iou(predictor, images, masks, visible) if n else None
        )
        return out

    return measure


def check(session: Session, measure: Measure) -> None:
    """Measure the teacher, record it, keep its weights when best, stop on a failed check."""
    measures = measure(session.step)
    reasons = session.guard.check(session.step, measures)
    log.info(
        "adapt step %d: %s%s",
        session.step,
        _rounded(measures),
        f" STOP: {'; '.join(reasons)}" if reasons else "",
    )
    if session.guard.is_new_best():
        weights = session.teacher.state_dict()
        session.best = {k: v.detach().cpu().clone() for k, v in weights.items()}
        session.best_step = session.step
    if reasons:
        session.stopped = reasons


def run(session: Session, measure: Measure, run_dir: Path, digest: str, paths: list[str]) -> None:
    """Steps until ``steps`` or a failed guard check; the state saved as it goes."""
    cfg, schema = session.cfg, session.info.labels
    tcfg, gcfg = cfg["teacher"], cfg["guard"]
    steps, every, save_every = int(cfg["steps"]), int(gcfg["every"]), int(cfg["save_every"])
    n_real, n_synth = batch_split(int(cfg["batch_size"]), float(cfg["real_share"]))
    share, size, seed = float(cfg["real_share"]), crop_size(cfg, session.info), int(cfg["seed"])
    hidden = invisible_mask(session.info.visible_classes, schema.num_classes)
    hidden = None if hidden is None else hidden.to(session.device)
    while session.step < steps and not session.stopped:
        step = session.step
        if not session.parts.labels or step % int(tcfg["refresh_every"]) == 0:
            refresh_labels(session)
        rng = np.random.default_rng([seed, step])
        gen = torch.Generator().manual_seed(augment_seed(seed, step, 0))
        batches = []
        if n_real:
            picks = rng.choice(len(session.train), n_real, replace=len(session.train) < n_real)
            batches.append(("real", *real_batch(session.parts, list(picks), size, rng, gen), share))
        if n_synth:
            image, mask = synthetic_batch(session.parts, step, gen, session.device)
            batches.append(("synthetic", image, mask, 1.0 - share))
        losses = train_step(
            session.student,
            session.optimiser,
            session.loss_fn,
            batches,
            hidden=hidden,
            ignore=schema.ignore_index,
            device=session.device,
        )
        ema_update(session.teacher, session.student, float(tcfg["momentum"]))
        session.step += 1
        log.info("adapt step %d: %s", session.step, _rounded(losses))
        if session.step % every == 0 or session.step == steps:
            check(session, measure)
        if session.step % save_every == 0 or session.stopped or session.step == steps:
            save_state(run_dir, snapshot(session, digest, paths))


def refresh_labels(session: Session) -> None:
    """New pseudo-labels of the frames adapted on, from the current teacher."""
    tcfg = session.cfg["teacher"]
    sigmas = tcfg.get("emission_sigmas")
    inputs = [rf.scaled for rf in session.train]
    session.parts.labels = label_frames(
        session.labeller,
        inputs,
        float(tcfg["threshold"]),
        emission_sigmas=None if sigmas is None else float(sigmas),
        emission_disk_px=int(tcfg.get("emission_disk_px", 15)),
    )
    stats = label_stats(
        session.parts.labels,
        [x.valid for x in inputs],
        session.info.labels.num_classes,
        session.info.labels.ignore_index,
    )
    log.info("adapt step %d: pseudo-labels %s", session.step, stats)


def snapshot(session: Session, digest: str, paths: list[str]) -> dict[str, Any]:
    """The resume state: plain data and tensors only (read back with weights_only=True)."""

    def cpu(model: torch.nn.Module) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu() for k, v in model.state_dict().items()}

    return {
        "kind": "jovis-adapt", "parent": digest, "frames": paths, "step": session.step,
        "student": cpu(session.student), "teacher": cpu(session.teacher),
        "optimiser": session.optimiser.state_dict(), "rng": capture_rng(),
        "guard": session.guard.state_dict(), "best": session.best,
        "best_step": session.best_step, "stopped": session.stopped,
    }  # fmt: skip


def restore(session: Session, state: dict[str, Any]) -> None:
    session.student.load_state_dict(state["student"])
    session.teacher.load_state_dict(state["teacher"])
    session.optimiser.load_state_dict(state["optimiser"])
    session.guard.load_state_dict(state["guard"])
    session.step, session.best = int(state["step"]), dict(state["best"])
    session.best_step, session.stopped = int(state["best_step"]), list(state["stopped"])
    restore_rng(state["rng"])
    log.info("adapt: resumed at step %d", session.step)


def _rounded(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}
