"""Tracking scores against a truth: IDF1, id switches, fragmentation, drift-rate error.

Both sides are lists of points ``(frame_id, id, lat, lon)``. A predicted and a true point
correspond when they are within ``match_km`` (great circle) in the same frame.
- **IDF1** (Ristani et al. 2016): ids are paired one-to-one across the whole sequence so as to
  maximise the corresponding points (IDTP); IDF1 = 2·IDTP / (true points + predicted points).
- **id switches** (CLEAR MOT): per frame the points are paired one-to-one (Hungarian); a true
  track whose paired predicted id differs from the one it last had counts one switch.
- **fragmentation**: times a true track's pairing is interrupted and then resumes.
`subset` keeps the true tracks of some roles (e.g. the circumpolar cyclones) and the predicted
points paired with them, or unpaired within their latitude band (false tracks there count).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from jovis.tracking.observations import great_circle_km

Point = tuple[str, int, float, float]  # frame_id, id, lat, lon


def _frame_pairs(truth: list[Point], pred: list[Point], match_km: float):
    """{frame_id: [(true index, predicted index)]} paired one-to-one within `match_km`."""
    by_t, by_p = defaultdict(list), defaultdict(list)
    for i, p in enumerate(truth):
        by_t[p[0]].append(i)
    for i, p in enumerate(pred):
        by_p[p[0]].append(i)
    out = {}
    for fid, ti in by_t.items():
        pi = by_p.get(fid, [])
        if not pi:
            out[fid] = []
            continue
        t = np.array([truth[i][2:] for i in ti])
        q = np.array([pred[i][2:] for i in pi])
        d = great_circle_km(t[:, :1], t[:, 1:], q[None, :, 0], q[None, :, 1])
        r, c = linear_sum_assignment(np.where(d <= match_km, d, 1e12))
        out[fid] = [(ti[a], pi[b]) for a, b in zip(r, c, strict=True) if d[a, b] <= match_km]
    return out


def restrict(truth: list[Point], pred: list[Point], keep_ids: set[int], match_km: float):
    """The true points of `keep_ids` and the predicted points that belong to them."""
    pairs = _frame_pairs(truth, pred, match_km)
    paired_to = {pi: ti for ps in pairs.values() for ti, pi in ps}
    lats = [abs(p[2]) for p in truth if p[1] in keep_ids]
    lo, hi = (min(lats) - 1.0, max(lats) + 1.0) if lats else (0.0, -1.0)
    t_keep = [p for p in truth if p[1] in keep_ids]
    p_keep = [q for i, q in enumerate(pred)
              if (i in paired_to and truth[paired_to[i]][1] in keep_ids)
              or (i not in paired_to and lo <= abs(q[2]) <= hi)]  # fmt: skip
    return t_keep, p_keep


def idf1(truth: list[Point], pred: list[Point], match_km: float) -> dict[str, Any]:
    """IDF1 with its IDTP and the id pairing ``{true id: predicted id}``."""
    tids = sorted({p[1] for p in truth})
    pids = sorted({p[1] for p in pred})
    if not truth or not pred:
        return {"idf1": 0.0 if truth or pred else 1.0, "idtp": 0, "pairing": {}}
    ti, pi = {t: i for i, t in enumerate(tids)}, {p: i for i, p in enumerate(pids)}
    co = np.zeros((len(tids), len(pids)))
    by_p = defaultdict(list)
    for q in pred:
        by_p[q[0]].append(q)
    for t in truth:
        for q in by_p.get(t[0], []):
            if great_circle_km(t[2], t[3], q[2], q[3]) <= match_km:
                co[ti[t[1]], pi[q[1]]] += 1
    r, c = linear_sum_assignment(-co)
    idtp = float(co[r, c].sum())
    pairing = {tids[a]: pids[b] for a, b in zip(r, c, strict=True) if co[a, b] > 0}
    return {"idf1": 2 * idtp / (len(truth) + len(pred)), "idtp": int(idtp), "pairing": pairing}


def switches_and_fragments(truth: list[Point], pred: list[Point], frame_order: list[str],
                           match_km: float) -> tuple[int, int]:  # fmt: skip
    """(id switches, fragmentations) over the frames in `frame_order`."""
    pairs = _frame_pairs(truth, pred, match_km)
    present = defaultdict(set)
    for p in truth:
        present[p[0]].add(p[1])
    last: dict[int, int] = {}
    state: dict[int, str] = {}
    switches = frags = 0
    for fid in frame_order:
        paired = {truth[a][1]: pred[b][1] for a, b in pairs.get(fid, [])}
        for tid in sorted(present.get(fid, ())):
            if tid in paired:
                if tid in last and last[tid] != paired[tid]:
                    switches += 1
                if state.get(tid) == "lost":
                    frags += 1
                last[tid], state[tid] = paired[tid], "tracked"
            elif state.get(tid) == "tracked":
                state[tid] = "lost"
    return switches, frags


def score(truth: list[Point], pred: list[Point], frame_order: list[str], match_km: float):
    """IDF1, id switches and fragmentation of `pred` against `truth`."""
    out = idf1(truth, pred, match_km)
    sw, fr = switches_and_fragments(truth, pred, frame_order, match_km)
    return {"idf1": round(out["idf1"], 4), "idtp": out["idtp"], "id_switches": sw,
            "fragmentations": fr, "true_points": len(truth), "predicted_points": len(pred),
            "true_tracks": len({p[1] for p in truth}),
            "predicted_tracks": len({p[1] for p in pred}), "pairing": out["pairing"]}  # fmt: skip


def drift_errors(pairing: dict[int, int], true_rates: dict[int, float],
                 pred_rates: dict[int, float]) -> dict[str, Any]:  # fmt: skip
    """Mean and max |predicted − true| longitude drift rate (deg/day) over paired tracks."""
    errs = [abs(pred_rates[p] - true_rates[t]) for t, p in pairing.items()
            if t in true_rates and p in pred_rates
            and np.isfinite(pred_rates[p]) and np.isfinite(true_rates[t])]  # fmt: skip
    if not errs:
        return {"drift_err_mean_deg_per_day": None, "drift_err_max_deg_per_day": None}
    return {"drift_err_mean_deg_per_day": float(np.mean(errs)),
            "drift_err_max_deg_per_day": float(np.max(errs))}  # fmt: skip
