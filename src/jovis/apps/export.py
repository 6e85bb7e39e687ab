"""jovis export: python scripts/export.py model=NAME|PATH (or ckpt=PATH) format=onnx|torchscript."""

from __future__ import annotations

from omegaconf import DictConfig

from jovis.apps.common import checked, emit_result, jovis_app, store_config


@jovis_app("export", store_config("export"))
def main(cfg: DictConfig) -> None:
    from rich.console import Console

    from jovis.export import export_checkpoint
    from jovis.released import resolve_model

    cfg = checked(cfg)
    pick = resolve_model(cfg.get("model"), cfg.ckpt)
    result = export_checkpoint(
        pick.path,
        cfg.format,
        cfg.out,
        opset=cfg.opset,
        example_size=cfg.example_size,
    )
    opset = f", opset {result['opset']}" if "opset" in result else ""
    console = Console(soft_wrap=True, markup=False, highlight=False)
    console.print(f"exported {result['format']} ({result['exporter']}{opset}) → {result['file']}")
    console.print(
        f"max |Δ| vs PyTorch {result['max_abs_diff']:.2g} (tolerance 1e-3); "
        f"sidecar {result['sidecar']}; {result['seconds']:.1f} s"
    )
    emit_result({**result, **pick.to_dict()})


if __name__ == "__main__":
    main()
