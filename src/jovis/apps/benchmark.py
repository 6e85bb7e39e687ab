"""jovis benchmark suite=io|infer|synth|train|real|scaling|temporal|oval_course|instances|
                 viewpoints|orientations|perturbations [device=auto] [out=DIR].

suite=real ckpt=PATH scores a checkpoint on the real frames (`jovis.real_eval`); suite=temporal
ckpt=PATH scores `infer temporal.*` on synthetic UV sequences (`jovis.benchmarks.temporal`);
suite=oval_course ckpt=PATH oval_course.data=[DIR,...] scores a grid of `oval_course` settings
on labelled synthetic sets (`jovis.benchmarks.oval_course`). suite=instances ckpt=PATH
instances.data=[DIR,...] does the same for how vortex instances are taken from the masks
(`jovis.benchmarks.instances`). suite=viewpoints ckpt=PATH scores a vortex detector's agreement
between synthetic views along a spacecraft track (`jovis.benchmarks.viewpoints`).
suite=orientations ckpt=PATH orientations.data=[DIR,...] scores labelled sets once per rotation/
flip of their frames (`jovis.benchmarks.orientations`). suite=perturbations ckpt=PATH scores the
real reference sets on the JunoCam products re-saved as JPEG, stretched or shrunk
(`jovis.benchmarks.perturbations`).
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf
from rich.console import Console
from rich.table import Table

from jovis.apps.common import CONFIG_PATH, TEXT_KEYS, checked, emit_result, jovis_app
from jovis.config import check_at_least, to_plain
from jovis.io.atomic import write_json

SUITES = (
    "io",
    "infer",
    "synth",
    "train",
    "real",
    "scaling",
    "temporal",
    "oval_course",
    "instances",
    "viewpoints",
    "orientations",
    "perturbations",
)
NULLABLE_BOOLEANS = ("train.on_device",)  # null: the recipe's choice; else a bool


def run_io(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.io import run_io

    result = run_io(cfg.files, int(cfg.repeats))
    table = Table(title=f"read_frame, median of {result['repeats']} reads")
    for col in ("file", "instrument", "shape", "seconds"):
        table.add_column(col)
    for row in result["reads"]:
        table.add_row(
            row["file"],
            row.get("instrument", "-"),
            str(row.get("shape", "-")),
            str(row.get("median_s", row["error"])),
        )
    return result, table


# the settings kept as typed text: the apps' file and folder names, less frames= (here a count
# of frames, not labels' folder of them: frames=2 arrived as the text '2')
TEXT_SETTINGS = tuple(key for key in TEXT_KEYS if key != "frames")
# The suites' integer settings (a list: each of its items) and their least values, checked
# before any suite runs: a word failed deep inside as int()'s "invalid literal", naming no key.
COUNTS = {"repeats": 1, "size": 32, "batch_size": 1, "tile_size": 32, "scaling.sizes": 32,
          "scaling.frames": 1, "scaling.batch_sizes": 1, "scaling.batch_size": 1,
          "scaling.batch_at": 32, "scaling.tile_size": 32, "scaling.train_sizes": 32,
          "scaling.train_steps": 1}  # fmt: skip


def check_counts(cfg: DictConfig) -> None:
    """ValueError naming the first of `COUNTS` that is not an integer at or above its least."""
    for key, low in COUNTS.items():
        value = OmegaConf.select(cfg, key)
        for item in value if isinstance(value, ListConfig) else [value]:
            check_at_least(key, item, low, "see configs/benchmark.yaml")


def optional_ints(cfg: DictConfig, *keys: str) -> dict[str, int | None]:
    """`{key: int or None}` of settings where null means the suite's own choice (a number
    given as text, from Python, is read); a word is refused naming its key (it failed as
    "invalid literal for int()")."""
    out: dict[str, int | None] = {}
    for key in keys:
        value = cfg.get(key)
        try:
            out[key] = None if value is None else int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{key}={value!r}: must be an integer (null: the suite's own "
                             "choice)") from None  # fmt: skip
    return out


def run_infer(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.infer import run_infer

    result = run_infer(
        device=cfg.device,
        size=int(cfg.size),
        ckpt=cfg.ckpt,
        batch_size=int(cfg.batch_size),
        tile_size=int(cfg.tile_size),
        work=cfg.work,
        backend=str(cfg.get("backend", "torch")),
        profile=bool(cfg.get("profile", False)),
        **optional_ints(cfg, "frames", "tta_frames", "num_workers", "write_threads"),
    )
    table = Table(
        title=f"frames/s at {result['size']}², runner vs naive loop (same frames, same outputs)",
        caption=f"{result['device']}, {result['torch_threads']} torch threads; runner: batch "
        f"{result['batch_size']}, {result['num_workers']} reader worker(s), "
        f"{result['write_threads']} write thread(s); naive: one frame at a time, fp32, "
        "synchronous writes. End to end = read → write, model load included.",
    )
    gpu = "runner_gpu_idle_share" in result
    cols = ["pass", "frames", "runner e2e", "naive e2e", "ratio", "runner model", "naive model"]
    cols.append("model ratio")
    for col in cols + (["GPU idle runner", "GPU idle naive"] if gpu else []):
        table.add_column(col, justify="right")
    for row in result["passes"]:
        cells = [
            "TTA ×8" if row["tta"] else "no TTA",
            str(row["frames"]),
            *(str(row[k]) for k in ("runner_fps", "naive_fps", "ratio")),
            *(str(row[k]) for k in ("runner_model_fps", "naive_model_fps", "model_ratio")),
        ]
        if gpu:
            cells += [f"{row['runner_gpu_idle_share']:.0%}", f"{row['naive_gpu_idle_share']:.0%}"]
        table.add_row(*cells)
    tables = [table]
    if "backend" in result:
        tables.append(backend_table(result))
    if "profile" in result:
        tables.append(profile_table(result["profile"]))
    return result, tables if len(tables) > 1 else table


def profile_table(profile: dict) -> Table:
    """suite=infer profile=true: each step's seconds over the profiled pass, per frame."""
    table = Table(
        title=f"where the runner's time goes: {profile['frames']} frames in {profile['seconds']} s "
        f"({profile['frames_per_s']} frames/s), {profile['num_workers']} reader(s), "
        f"{profile['write_threads']} writer(s)",
        caption="seconds summed over the threads that ran the step; writer steps run "
        f"{profile['write_threads']} at a time. Per-frame medians (manifest): "
        + ", ".join(f"{k} {v}" for k, v in profile["stage_median_s"].items()),
    )
    for col in ("step", "calls", "seconds", "ms per frame"):
        table.add_column(col, justify="left" if col == "step" else "right")
    frames = max(1, profile["frames"])
    for step, spent in profile["steps"].items():
        table.add_row(step, str(spent["calls"]), f"{spent['seconds']:.3f}",
                      f"{1000 * spent['seconds'] / frames:.1f}")  # fmt: skip
    return table


def backend_table(result: dict) -> Table:
    """suite=infer backend=...: the backend's forward against torch's, and end to end."""
    b = result["backend"]
    fw, e2e = b["forward"], b["e2e"]
    table = Table(
        title=f"{b['backend']} vs torch at {fw['size']}² (batch {fw['batch']})",
        caption=f"forward: raw network, median of {fw['repeats']} interleaved runs; end to end: "
        f"{e2e['frames']} frames without TTA, the runner with each backend and the naive loop. "
        f"Floor: forward >= {fw['floor']}x torch fp32.",
    )
    for col in ("what", "seconds / frames/s", "vs"):
        table.add_column(col, justify="right")
    for k, s in fw["median_s"].items():
        ratio = fw.get(f"speedup_vs_{k}")
        table.add_row(f"forward {k}", f"{s} s", f"{b['backend']} {ratio}x" if ratio else "-")
    table.add_row(f"runner {b['backend']}", f"{e2e['fps']} f/s", "-")
    table.add_row("runner torch", f"{e2e['torch_runner_fps']} f/s", f"{e2e['vs_torch_runner']}x")
    table.add_row("naive loop", f"{e2e['naive_fps']} f/s", f"{e2e['vs_naive']}x")
    return table


def run_synth(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.synth import run_synth

    sc = cfg.synth
    result = run_synth(
        device=cfg.device,
        instruments=list(sc.instruments),
        warmup=int(sc.warmup),
        **optional_ints(sc, "size", "frames", "batch_size"),
    )
    table = Table(
        title=f"render_batch frames/s at {result['size']}², batch {result['batch_size']}",
        caption=f"{result['device_name']}, {result['torch_threads']} torch threads, "
        f"{result['frames']} timed frames per instrument after warm-up. Floors (issue 3): "
        "CPU >= 30/s at 256² single-channel, CUDA >= 2000/s at 512².",
    )
    cols = ("instrument", "channels", "frames/s", "seconds", "scene ms (CPU)",
            "frames/s, scenes drawn before", "floor", "result")  # fmt: skip
    for col in cols:
        table.add_column(col, justify="right")
    for row in result["instruments"]:
        verdict = {True: "pass", False: "FAIL", None: "-"}[row["meets_floor"]]
        floor = "-" if row["floor_fps"] is None else f">= {row['floor_fps']:g}"
        cells = [",".join(row["channels"]), str(row["fps"]), str(row["seconds"]),
                 str(row["scene_ms"]), str(row["drawn_fps"]), floor]  # fmt: skip
        table.add_row(row["instrument"], *cells, verdict)
    return result, table


def run_train(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.train import run_train

    tc = cfg.train
    result = run_train(
        device=cfg.device,
        model=tc.get("model"),
        instrument=tc.get("instrument"),
        modes=None if tc.get("modes") is None else list(tc.modes),
        experiment=tc.get("experiment"),
        on_device=tc.get("on_device"),
        **optional_ints(tc, "size", "steps", "warmup", "batch_size", "num_workers",
                        "scene_workers"),
    )  # fmt: skip
    table = Table(
        title=f"training frames/s, {result['model']} at {result['size']}², batch "
        f"{result['batch_size']}, {result['in_channels']} channel(s)",
        caption=f"{result['device']}, {result['torch_threads']} torch threads, "
        f"{result['loader']}; {result['warmup_steps']} warm-up steps, then timed. Data wait = "
        "share of the time the loop was blocked on the next batch; render = share spent "
        "rendering batches on the device; compute = frames/s without both.",
    )
    cuda = "peak_memory_gib" in result
    cols = ["mode", "frames/s", "compute", "step s", "data wait", "max wait s", "render"]
    for col in cols + (["peak GiB"] if cuda else []):
        table.add_column(col, justify="right", no_wrap=col == "mode")
    for row in result["modes"]:
        cells = [row["mode"], str(row["fps"]), str(row["compute_fps"]), str(row["step_s_median"])]
        cells += [f"{row['data_wait_share']:.0%}", str(row["data_wait_max_s"])]
        cells += [f"{row['render_share']:.0%}"]
        table.add_row(*cells, *([str(row["peak_memory_gib"])] if cuda else []))
    return result, table


def run_scaling(cfg: DictConfig) -> tuple[dict, list[Table]]:
    from jovis.benchmarks.scaling import run_scaling

    sc = cfg.scaling
    result = run_scaling(
        device=cfg.device, sizes=[int(s) for s in sc.sizes], frames=int(sc.frames),
        min_megapixels=float(sc.min_megapixels),
        batch_sizes=[int(b) for b in sc.batch_sizes], batch_size=int(sc.batch_size),
        batch_at=int(sc.batch_at), tile_size=int(sc.tile_size),
        tile_overlap=float(sc.tile_overlap), ckpt=cfg.ckpt,
        train_sizes=[int(s) for s in sc.train_sizes], train_steps=int(sc.train_steps),
        model=str(sc.model), backend=str(sc.backend), work=cfg.work,
    )  # fmt: skip
    infer = Table(title=f"inference end to end, {result['model']}, tiles {result['tile_size']} "
                  f"(overlap {result['tile_overlap']:g})",
                  caption=f"{result['device']}, {result['torch_threads']} torch threads; "
                  "resample=off; peak: RSS (CPU) or max allocated (CUDA)")  # fmt: skip
    for col in ("size", "batch", "frames", "s/frame", "s/MP", "×base s/MP", "CPU s/MP", "peak MiB",
                "backend"):  # fmt: skip
        infer.add_column(col, justify="right")
    keys = (
        "size",
        "batch_size",
        "frames",
        "s_per_frame",
        "s_per_megapixel",
        "vs_base_per_megapixel",
        "cpu_s_per_megapixel",
        "peak_mib",
        "backend",
    )
    for r in result["infer"]:
        infer.add_row(*(str(r[k]) for k in keys))
    train = Table(title="training step")
    for col in ("size", "batch", "step s", "s/MP", "peak MiB"):
        train.add_column(col, justify="right")
    for r in result["train"]:
        train.add_row(*(str(r[k]) for k in ("size", "batch_size", "step_s", "s_per_megapixel",
                                            "peak_mib")))  # fmt: skip
    return result, [infer, train]


def run_real(cfg: DictConfig) -> tuple[dict, list[Table]]:
    from jovis.real_eval import run_real_suite

    if cfg.ckpt is None:
        raise ValueError("suite=real needs ckpt=PATH (a model.pt from a training run)")
    rc = cfg.real
    return run_real_suite(
        cfg.ckpt,
        Path(cfg.out) / "real",
        root=rc.root,
        reference_set=rc.reference_set,
        folders=None if rc.folders is None else [str(f) for f in rc.folders],
        device=cfg.device,
        tta=bool(rc.tta),
        batch_size=int(rc.batch_size),
        overlays=bool(rc.overlays),
        resample=rc.resample,
        temporal=to_plain(rc.temporal) if rc.get("temporal") is not None else None,
        oval_course=rc.get("oval_course", "auto"),  # a mode or a mapping
        look=rc.get("look", "off"),  # a mode or a mapping
    )


def run_temporal(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.temporal import run_temporal

    if cfg.ckpt is None:
        raise ValueError("suite=temporal needs ckpt=PATH (a UV checkpoint, e.g. a release's)")
    tc = cfg.temporal
    result = run_temporal(cfg.ckpt, Path(cfg.out), regimes=list(tc.regimes),
                          sequences=int(tc.sequences), size=int(tc.size),
                          settings=[str(s) for s in tc.settings], device=cfg.device,
                          batch_size=int(tc.batch_size))  # fmt: skip
    table = Table(title=f"temporal evidence on synthetic UV sequences ({result['sequences']} a "
                  f"regime, {result['size']} px)",
                  caption="iou: aurora vs truth; faint: recall of the faintest quarter of the "
                  "truth oval; agreement: median consecutive IoU (truth: the ceiling)")  # fmt: skip
    for col in ("regime", "mode", "window_min", "iou", "faint_recall", "agreement_median"):
        table.add_column(col, justify="left" if col in ("regime", "mode") else "right")
    for r in result["rows"]:
        table.add_row(*(str(r[k]) for k in ("regime", "mode", "window_min", "iou",
                                            "faint_recall", "agreement_median")))  # fmt: skip
    return result, table


def run_oval_course(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.oval_course import run_oval_course

    if cfg.ckpt is None:
        raise ValueError(
            "suite=oval_course needs ckpt=PATH (an aurora checkpoint, e.g. a release's)"
        )
    oc = cfg.oval_course
    result = run_oval_course(cfg.ckpt, [str(d) for d in oc.data or []], to_plain(oc.grid),
                             device=cfg.device, batch_size=int(oc.batch_size))  # fmt: skip
    table = grid_table(
        result,
        f"oval course settings, aurora on labelled synthetic sets (chosen on "
        f"{result['chosen_on']}, highest IoU)",
        "iou / recall / precision pooled over each set; filled: pixels the course drew; grown: "
        "pixels the arcs grew (grow_prob)",
        {k: (lambda r, n, k=k: str(r[f"{n}_{k}"])) for k in ("iou", "recall", "precision")}
        | {"filled": lambda r, n: str(r[f"{n}_filled_px"])}
        | {"grown": lambda r, n: str(r[f"{n}_grown_px"])},
    )
    return result, table


def run_instances(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.instances import run_instances

    if cfg.ckpt is None:
        raise ValueError("suite=instances needs ckpt=PATH (a vortex checkpoint, e.g. a release's)")
    ic = cfg.instances
    result = run_instances(cfg.ckpt, [str(d) for d in ic.data or []], to_plain(ic.grid),
                           device=cfg.device, batch_size=int(ic.batch_size))  # fmt: skip
    table = grid_table(
        result,
        f"vortex instance settings on labelled synthetic sets (chosen on "
        f"{result['chosen_on']}, highest F1; confirmed on the others: {result['confirmed']})",
        "f1 / precision / recall and tp / fp / fn pooled over each set",
        {k: (lambda r, n, k=k: str(r[f"{n}_{k}"])) for k in ("f1", "precision", "recall")}
        | {"tp/fp/fn": lambda r, n: "/".join(str(r[f"{n}_{k}"]) for k in ("tp", "fp", "fn"))},
    )
    return result, table


def run_viewpoints(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.viewpoints import run_viewpoints

    if cfg.ckpt is None:
        raise ValueError("suite=viewpoints needs ckpt=PATH (a vortex checkpoint, e.g. a release's)")
    vc = cfg.viewpoints
    result = run_viewpoints(cfg.ckpt, int(vc.frames), seed=int(vc.seed), step=to_plain(vc.step),
                            device=cfg.device, batch_size=int(vc.batch_size))  # fmt: skip
    table = Table(title=f"vortex agreement between views along a spacecraft track "
                  f"({result['frames']} synthetic frames, {result['size']} px)",
                  caption="median IoU of the first view's vortices carried onto the moved "
                  "view and the moved view's own, on the pixels both see (truth: the "
                  "ceiling)")  # fmt: skip
    for col in ("masks", "pairs", "agreement_median"):
        table.add_column(col, justify="left" if col == "masks" else "right")
    table.add_row("model", str(result["pairs"]), str(result["agreement_median"]))
    table.add_row("truth", str(result["truth_pairs"]), str(result["truth_agreement_median"]))
    return result, table


def run_orientations(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.orientations import real_reference_sets, run_orientations

    if cfg.ckpt is None:
        raise ValueError("suite=orientations needs ckpt=PATH (a checkpoint, e.g. a release's)")
    oc = cfg.orientations
    data = [str(d) for d in oc.data or []]
    if oc.real:  # the stored real reference sets of the checkpoint's channels
        data += [str(d) for d in real_reference_sets(cfg.ckpt, Path(cfg.out) / "real_sets")]
    result = run_orientations(cfg.ckpt, data, device=cfg.device,
                              batch_size=int(oc.batch_size), tta=bool(oc.tta))  # fmt: skip
    table = Table(title="scores per rotation/flip of every frame (evaluate, one view each)",
                  caption="mean ± sd over the 8 views; as is: the frames as they come; tta: "
                  "the mean of the 8 views' probabilities")  # fmt: skip
    for col in ("set", "metric", "as is", "mean ± sd", "min", "max", "tta"):
        table.add_column(col, justify="left" if col in ("set", "metric") else "right")
    for name, entry in result["sets"].items():
        for metric, s in entry.items():
            if not isinstance(s, dict) or "mean" not in s:
                continue
            tta = (entry["tta"] or {}).get(metric)
            cells = (s["as_is"], f"{s['mean']} ± {s['sd']}", s["min"], s["max"])
            table.add_row(name, metric, *map(str, cells), "-" if tta is None else str(tta))
    return result, table


def run_perturbations(cfg: DictConfig) -> tuple[dict, Table]:
    from jovis.benchmarks.perturbations import run_perturbations

    if cfg.ckpt is None:
        raise ValueError("suite=perturbations needs ckpt=PATH (a checkpoint, e.g. a release's)")
    pc = cfg.perturbations
    result = run_perturbations(cfg.ckpt, Path(cfg.out) / "perturbations", list(pc.list),
                               real_root=pc.real_root, device=cfg.device,
                               batch_size=int(pc.batch_size))  # fmt: skip
    table = Table(title="real reference sets, the products as served and perturbed (evaluate)",
                  caption="change: minus the row as served; the orientations suite gives the "
                  "spread one draw of the frames has")  # fmt: skip
    for col in ("perturbation", "set", "found", "precision", "recall", "F1", "F1 change"):
        table.add_column(col, justify="left" if col in ("perturbation", "set") else "right")
    for row in result["rows"]:
        for name, s in row["sets"].items():
            cells = [s.get(k, "-") for k in ("vortex_found", "vortex_precision", "vortex_recall",
                                             "vortex_f1", "vortex_f1_change")]  # fmt: skip
            table.add_row(row["perturbation"], name.removeprefix("reference_"), *map(str, cells))
    return result, table


def grid_table(result: dict, title: str, caption: str, columns: dict) -> Table:
    """One row per setting of a grid suite's `result` (``rows``, ``sets``), and per set the
    `columns` (header -> function of the row and the set's name giving the cell)."""
    table = Table(title=title, caption=caption)
    table.add_column("settings")
    for name in result["sets"]:
        for header in columns:
            table.add_column(f"{name} {header}", justify="right")
    for r in result["rows"]:
        table.add_row(str(r["settings"]), *(cell(r, name) for name in result["sets"]
                                              for cell in columns.values()))  # fmt: skip
    return table


@jovis_app("benchmark", "benchmark", CONFIG_PATH)
def main(cfg: DictConfig) -> None:
    cfg = checked(cfg, nullable=NULLABLE_BOOLEANS, text_keys=TEXT_SETTINGS)
    if cfg.suite not in SUITES:
        raise ValueError(f"suite={cfg.suite!r}; valid choices: {', '.join(SUITES)}")
    check_counts(cfg)
    suites = {"io": run_io, "infer": run_infer, "synth": run_synth, "train": run_train,
              "real": run_real, "scaling": run_scaling,
              "temporal": run_temporal, "oval_course": run_oval_course,
              "instances": run_instances, "viewpoints": run_viewpoints,
              "orientations": run_orientations,
              "perturbations": run_perturbations}  # fmt: skip
    result, table = suites[cfg.suite](cfg)
    console = Console()
    for t in table if isinstance(table, list) else [table]:
        console.print(t)
    if cfg.suite == "infer":
        if "meets_floor" in result:
            ok = "[green]meets[/green]" if result["meets_floor"] else "[red]misses[/red]"
            console.print(f"runner/naive end to end {result['ratio']}×: {ok} the CPU floor of "
                          f"{result['floor']}×")  # fmt: skip
        else:
            console.print(
                "GPU idle = 1 − (model-only seconds of the same frames) / end-to-end seconds"
                + (
                    f"; NVML sampled: {result['passes'][0]['runner_gpu_idle_share_nvml']:.0%}"
                    if "runner_gpu_idle_share_nvml" in result["passes"][0]
                    else " (NVML sampling needs pynvml)"
                )
            )
    if cfg.suite == "train":
        waited = "[red]made the model wait[/red] (blocked > 5% of the time)" if result[
            "data_waited"] else "kept up (blocked ≤ 5% of the time)"  # fmt: skip
        render = f"; rendering on the device: {result['render_share']:.0%} of the time"
        speedups = ", ".join(f"{k} {result[k]}×" for k in ("channels_last_speedup", "bf16_speedup")
                             if k in result)  # fmt: skip
        console.print(f"data loader: {waited}" + (render if result["render_share"] else "")
                      + (f"; {speedups} (compute frames/s)" if speedups else ""))  # fmt: skip
    out = Path(cfg.out)
    if cfg.suite != "real":  # run_real_suite has written it all to real/real.json already
        write_json(out / f"{cfg.suite}.json", result)
    result["out"] = str(out)
    result.pop("reads" if cfg.suite == "io" else "passes", None)
    if cfg.suite == "oval_course":  # the line keeps the bar and the choice; the JSON has the grid
        result["off"] = result.pop("rows")[0]
    if cfg.suite == "instances":
        result["default"] = result.pop("rows")[0]
    if cfg.suite == "orientations":  # the line keeps each set's means; the JSON has the views
        result["sets"] = {n: {m: s["mean"] for m, s in e.items() if isinstance(s, dict)
                              and "mean" in s} for n, e in result["sets"].items()}  # fmt: skip
    if cfg.suite == "perturbations":  # the line keeps each row's F1; the JSON has the rest
        result["rows"] = {r["perturbation"]: {n: s.get("vortex_f1") for n, s in r["sets"].items()}
                          for r in result["rows"]}  # fmt: skip
    if cfg.suite == "scaling":  # a plot beside the JSON; the line keeps the per-MP figures only
        from jovis.benchmarks.scaling_plot import plot_scaling

        result["plot"] = str(plot_scaling(result, out / "scaling.png"))
        result["infer"] = {f"{r['size']}-b{r['batch_size']}": r["s_per_megapixel"]
                           for r in result["infer"]}  # fmt: skip
        result["train"] = {str(r["size"]): r["s_per_megapixel"] for r in result["train"]}
    if cfg.suite == "real":  # the line carries the headline numbers; real/real.json has it all
        result = {"suite": "real", "checkpoint": result["checkpoint"], "out": str(out / "real"),
                  "seconds": result["seconds"], "temporal": result["temporal"],
                  "oval_course": result["oval_course"]["mode"],
                  **result["summary"]}  # fmt: skip
    emit_result(result)


if __name__ == "__main__":
    main()
