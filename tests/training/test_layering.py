"""Training and inference are siblings: training imports neither `jovis.inference` nor
`jovis.evaluation` (the scoring both use lives in `jovis.scoring`)."""

import json
import os
import subprocess
import sys

CODE = """
import json, sys
import jovis.training.fit, jovis.training.module, jovis.benchmarks.train
print(json.dumps(sorted(m for m in sys.modules if m.startswith("jovis"))))
"""


def test_training_imports_neither_inference_nor_evaluation():
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, env=os.environ
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "jovis.training.fit" in loaded and "jovis.scoring" in loaded
    wrong = [m for m in loaded if m.startswith("jovis.inference") or m == "jovis.evaluation"]
    assert wrong == []
