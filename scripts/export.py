"""Export a checkpoint: python scripts/export.py ckpt=PATH format=onnx|torchscript out=DIR."""

import hydra
from omegaconf import DictConfig
from rich.console import Console

from jovis.cli import emit_result
from jovis.export import export_checkpoint


@hydra.main(config_path="../configs", config_name="export", version_base="1.3")
def main(cfg: DictConfig) -> None:
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
