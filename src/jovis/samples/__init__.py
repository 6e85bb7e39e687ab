"""Real frames shipped with jovis for the demo and first use (public NASA/ESA data).

Two frames, unchanged copies of public products (provenance, credits and sha256 in README.md
beside them), so that ``make demo`` and ``infer model=auto`` show the released detectors on real
data on a machine with nothing else: one HST STIS far-UV polar projection of the northern aurora
and one JunoCam colour composite over the northern circumpolar cyclones.
"""

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
# file name → what it shows; README.md states where each comes from
SAMPLES = {
    "frames/jup_16-142-02-39-22_0100_v03_stis_f25srf2_proj.fits": "HST STIS FUV, north aurora",
    "frames/JNCE_2022229_44C00037_V01-mapprojected.png": "JunoCam PJ44, north polar cyclones",
}


def sample_paths() -> list[Path]:
    """The shipped sample frames (their metadata sidecars sit beside them)."""
    return [SAMPLES_DIR / name for name in SAMPLES]
