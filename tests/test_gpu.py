"""CUDA paths: bf16 autocast training and inference. Skipped without a GPU."""

import numpy as np
import pytest
import torch

from jovis.checkpoint import load_checkpoint
from jovis.inference.predictor import Predictor
from jovis.training.fit import train
from tests.conftest import compose_config


@pytest.mark.gpu
def test_gpu_training_and_bf16_inference_agree_with_cpu(tmp_path):
    result = train(compose_config("train", ["experiment=tiny", "trainer=gpu", f"out={tmp_path}"]))
    assert result["steps"] == 4
    model, info = load_checkpoint(result["checkpoint"])
    x = torch.randn(2, 2, 64, 64)
    cpu = Predictor(model, info, device="cpu").predict(x)
    model, info = load_checkpoint(result["checkpoint"])
    gpu = Predictor(model, info, device="cuda").predict(x)
    assert gpu.shape == cpu.shape
    # bf16 moves probabilities by ~1e-2; the arg-max agrees almost everywhere
    assert (gpu - cpu).abs().max() < 0.1
    assert np.mean((gpu.argmax(1) == cpu.argmax(1)).numpy()) > 0.98
