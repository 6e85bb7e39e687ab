"""jovis export: python scripts/export.py ckpt=PATH format=onnx|torchscript out=DIR."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from jovis.apps.common import CONFIG_PATH, VERSION_BASE, checked, emit_result


@hydra.main(config_path=CONFIG_PATH, config_name="export", version_base=VERSION_BASE)
def main(cfg: DictConfig) -> None:
    from rich.console import Console

    from jovis.export import export_checkpoint

    cfg = checked(cfg)
    result = export_checkpoint(
        cfg.ckpt,
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
    emit_result(result)


if __name__ == "__main__":
    main()
