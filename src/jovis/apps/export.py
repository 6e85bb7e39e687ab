"""jovis export: python scripts/export.py model=NAME|PATH (or ckpt=PATH) format=onnx|torchscript."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from jovis.apps.common import (
    VERSION_BASE,
    checked,
    emit_result,
    explained_errors,
    known_settings,
    store_config,
)


@known_settings("export")
@hydra.main(config_path=None, config_name=store_config("export"), version_base=VERSION_BASE)
@explained_errors("export")
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
        opset=int(cfg.opset),
        example_size=int(cfg.example_size),
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
