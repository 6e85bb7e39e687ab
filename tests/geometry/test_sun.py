"""The Sun's place over Jupiter (`jovis.geometry.sun`), against the HST pipeline's own values."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from tests.conftest import REAL_DATA

from jovis.geometry.sun import subsolar_point
from jovis.times import parse_time

LIGHT_SECONDS_PER_AU = 499.004784

# STIS headers: (EXPSTART as MJD, EXPTIME s, DIST_ORG AU, CMLS, DECS); the light left Jupiter
# DIST_ORG light-times before the middle of the exposure
HEADERS = [
    (56658.12700231482, 30, 4.212506637348699, 174.3474586335506, 1.668548692121879),
    (57529.095625, 100, 5.12117500343649, 150.9390099796404, -1.852576182149526),
    (57529.12571759259, 103, 5.121636463295371, 177.146202751205, -1.852676260909325),
    (59719.65200231481, 30, 5.433058282611222, 9.291579922854375, 1.758971040375189),
]


def at_jupiter(expstart, exptime, dist_au):
    return parse_time(expstart) + timedelta(seconds=exptime / 2 - dist_au * LIGHT_SECONDS_PER_AU)


@pytest.mark.parametrize(("expstart", "exptime", "dist", "cmls", "decs"), HEADERS)
def test_the_sub_solar_point_is_the_hst_pipelines_within_a_tenth_of_a_degree(
    expstart, exptime, dist, cmls, decs
):
    lat, lon = subsolar_point(at_jupiter(expstart, exptime, dist))
    assert lat == pytest.approx(decs, abs=0.01)
    assert (lon - cmls + 180) % 360 - 180 == pytest.approx(0.0, abs=0.1)


def test_the_shared_hst_headers_agree_too():
    fits = pytest.importorskip("astropy.io.fits")
    paths = sorted(REAL_DATA.glob("hst_stis_*/*.fits")) if REAL_DATA else []
    headers = [h for h in (fits.getheader(p) for p in paths) if "CMLS" in h and "DIST_ORG" in h]
    if not headers:
        pytest.skip("../shared/data/real has no STIS products with CMLS (shared data missing)")
    for h in headers:
        lat, lon = subsolar_point(at_jupiter(h["EXPSTART"], h["EXPTIME"], h["DIST_ORG"]))
        assert lat == pytest.approx(h["DECS"], abs=0.01)
        assert (lon - h["CMLS"] + 180) % 360 - 180 == pytest.approx(0.0, abs=0.1)


def test_the_sun_turns_with_system_iii_and_stays_within_the_obliquity():
    t0 = datetime(2020, 3, 1, tzinfo=timezone.utc)
    lon0 = subsolar_point(t0)[1]
    # a day later it has gone round 2.4 times, less Jupiter's own motion along its orbit
    step = (subsolar_point(t0 + timedelta(days=1))[1] - lon0) % 360
    assert step == pytest.approx((870.536 - 360 * 2 - 0.083) % 360, abs=0.01)
    lats = [subsolar_point(t0 + timedelta(days=d))[0] for d in range(0, 4333, 100)]
    assert max(np.abs(lats)) < 3.14 and max(lats) > 2.9 and min(lats) < -2.9
    # a naive datetime is UTC
    assert subsolar_point(t0.replace(tzinfo=None)) == subsolar_point(t0)


def test_an_hst_frame_sees_jupiter_a_light_time_ago_at_the_middle_of_its_exposure():
    """Without its header's CMLS/DECS, an HST frame's Sun comes from its time: the exposure's
    middle less the light time, which matches the header's DIST_ORG within 2 s."""
    from jovis.geometry.sun import light_time_from_earth, sun_over_frame

    expstart, exptime, dist, cmls, decs = HEADERS[1]  # 2016-05-21 02:17:42, 100 s
    start = parse_time(expstart)
    got = light_time_from_earth(start + timedelta(seconds=exptime / 2)).total_seconds()
    assert got == pytest.approx(dist * LIGHT_SECONDS_PER_AU, abs=2.0)
    meta = {"time": start.isoformat(), "EXPTIME": exptime, "TELESCOP": "HST"}
    lat, lon = sun_over_frame(meta)
    assert lat == pytest.approx(decs, abs=0.01) and lon == pytest.approx(cmls, abs=0.1)
    assert sun_over_frame({**meta, "CMLS": "12.5", "DECS": 1.0}) == (1.0, 12.5)  # its own
    for bad in ("N/A", float("nan"), None):  # a header's blank or fill value: from the time
        assert sun_over_frame({**meta, "CMLS": bad, "DECS": 1.0}) == (lat, lon)
    # a camera at Jupiter sees it at once; without a time there is no Sun
    at_juno = sun_over_frame({"time": start.isoformat()})
    assert (at_juno[1] - lon) % 360 == pytest.approx(
        (light_time_from_earth(start).total_seconds() - exptime / 2) * 870.27 / 86400, abs=0.1
    )
    assert sun_over_frame({"EXPTIME": 100}) is None
    for far in ("0001-01-01T00:00:00", "9999-12-31T23:59:59"):  # fill values, not times
        assert sun_over_frame({**meta, "time": far}) is None
    for bad in (1e30, float("nan"), -5, "x"):  # an exposure that cannot be: the start's Sun
        assert sun_over_frame({**meta, "EXPTIME": bad}) == sun_over_frame(
            {"time": start.isoformat(), "TELESCOP": "HST"}
        )
