"""Joint image+mask transforms that are true symmetries of a pole-centred frame."""

from __future__ import annotations

import torch


def random_dihedral(
    image: torch.Tensor, mask: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rotate by a random multiple of 90° and maybe flip, the same way for image and mask.

    image: (C, H, W); mask: (H, W). A flip mirrors longitude, which a segmentation of ovals and
    vortices does not care about.
    """
    k = int(torch.randint(0, 4, (1,), generator=generator))
    flip = bool(torch.randint(0, 2, (1,), generator=generator))
    image, mask = torch.rot90(image, k, (-2, -1)), torch.rot90(mask, k, (-2, -1))
    if flip:
        image, mask = torch.flip(image, (-1,)), torch.flip(mask, (-1,))
    return image.contiguous(), mask.contiguous()
