"""One scene seen again from a moved spacecraft (jovis.synth.track)."""

import torch
import torch.nn.functional as F

from jovis.synth.params import SynthParams
from jovis.synth.renderer import render_batch, render_scenes
from jovis.synth.track import TrackStep, carry_grid, moved_view, render_moved

PARAMS = SynthParams.from_dict({"junocam_product_prob": 1.0})
SIZE = 96


def _frames(seeds=(100, 101, 102, 103)):
    return render_batch(list(seeds), SIZE, ["red", "green", "blue"], view="perspective",
                        params=PARAMS)  # fmt: skip


def test_moves_stay_within_their_bounds_on_the_views_hemisphere_and_keep_the_disk_share():
    step = TrackStep()
    frames = _frames()
    r = PARAMS.polar_radius_km
    for view, seed in zip(frames.views, frames.seeds, strict=True):
        moved = moved_view(view, seed, step, r)
        assert moved == moved_view(view, seed, step, r)  # a function of the seed alone
        assert moved != moved_view(view, seed + 1, step, r)
        assert moved.sub_lat * view.sub_lat > 0 and abs(moved.sub_lat) <= 90
        assert abs(abs(moved.sub_lat) - abs(view.sub_lat)) <= step.sub_lat_deg + 1e-9
        dlon = (moved.sub_lon - view.sub_lon + 180) % 360 - 180
        assert abs(dlon) <= step.sub_lon_deg + 1e-9
        assert abs(moved.altitude_km / view.altitude_km - 1) <= step.distance + 1e-9
        # the limb stays where it was in the frame: the product is zoomed to its disk
        assert abs(moved.limb_radius_px(r) - view.limb_radius_px(r)) < 1e-6 * view.limb_radius_px(r)
    # a move past the pole turns back
    pole = frames.views[0].__class__(**{**frames.views[0].__dict__, "sub_lat": 89.5})
    assert 0 < moved_view(pole, 7, step, r).sub_lat <= 90


def test_the_first_views_labels_carried_onto_the_moved_view_land_on_its_own_labels():
    frames = _frames()
    rows = list(range(len(frames)))
    moved = render_moved(frames, rows, TrackStep(), PARAMS, torch.device("cpu"))
    image, mask, valid, grid, seen = moved.image, moved.mask, moved.valid, moved.grid, moved.seen
    assert image.shape == frames.image.shape and not torch.equal(image, frames.image)
    # the moved views' labels are those of the same scenes rendered from the moved views
    views = [moved_view(v, s, TrackStep(), PARAMS.polar_radius_km)
             for v, s in zip(frames.views, frames.seeds, strict=True)]  # fmt: skip
    scenes = [{**sc, "observer": (v.sub_lat, v.sub_lon)}
              for sc, v in zip(frames.scenes, views, strict=True)]  # fmt: skip
    _, own, _, _ = render_scenes(scenes, frames.seeds, frames.hemispheres, SIZE, frames.channels,
                                 PARAMS, views=views)  # fmt: skip
    assert torch.equal(mask, own)
    vortex = (frames.mask == 2).float()[:, None]
    carried = F.grid_sample(vortex, grid, mode="nearest", align_corners=False)[:, 0] > 0.5
    wrong = F.grid_sample(vortex, grid.flip(-1), mode="nearest", align_corners=False)[:, 0] > 0.5
    ok = seen & valid

    def iou(a):
        return float((a & (mask == 2) & ok).sum() / ((a | (mask == 2)) & ok).sum())

    assert (mask == 2).sum() > 100
    assert iou(carried) > 0.8 and iou(wrong) < 0.4
    assert 0.3 < seen.float().mean() < 1


def test_points_neither_view_sees_are_left_out():
    frames = _frames((200,))
    view = frames.views[0]
    far = view.__class__(**{**view.__dict__, "sub_lon": (view.sub_lon + 180) % 360})
    _, seen = carry_grid([view], [far], frames.hemispheres, SIZE, PARAMS)
    near, seen_near = carry_grid([view], [view], frames.hemispheres, SIZE, PARAMS)
    assert seen.float().mean() < seen_near.float().mean()
    # a view carried onto itself lands on its own pixels
    ax = (2 * torch.arange(SIZE) + 1) / SIZE - 1
    ident = torch.stack(torch.meshgrid(ax, ax, indexing="xy"), -1)
    assert torch.allclose(near[0][seen_near[0]], ident[seen_near[0]], atol=1e-3)
