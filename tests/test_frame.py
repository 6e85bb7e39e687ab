import numpy as np
import pytest
import yaml

from jovis.config import CONFIG_DIR
from jovis.frame import Frame, Labels, LabelSchema


def default_schema() -> LabelSchema:
    return LabelSchema.from_dict(yaml.safe_load((CONFIG_DIR / "labels/default.yaml").read_text()))


def test_default_schema_matches_design():
    schema = default_schema()
    assert schema.names == ["background", "aurora", "vortex"]
    assert schema.ignore_index == 255
    assert schema.id_of("vortex") == 2
    assert LabelSchema.from_dict(schema.to_dict()) == schema
    assert tuple(schema.palette()[1]) == schema.classes[1].color


def test_schema_rejects_gaps_duplicates_and_bad_ignore():
    base = default_schema().to_dict()
    gap = {**base, "classes": [base["classes"][0], {**base["classes"][2]}]}
    with pytest.raises(ValueError, match=r"0\.\.N-1"):
        LabelSchema.from_dict(gap)
    with pytest.raises(ValueError, match="ignore_index"):
        LabelSchema.from_dict({**base, "ignore_index": 1})
    with pytest.raises(ValueError, match="classes"):
        LabelSchema.from_dict({"ignore_index": 255})


def test_frame_marks_nan_invalid_and_checks_shapes():
    image = np.ones((4, 5, 2), np.float64)
    image[1, 2, 0] = np.nan
    frame = Frame(image, ["L", "M"])
    assert frame.image.dtype == np.float32
    assert not frame.valid[1, 2] and frame.valid.sum() == 19
    with pytest.raises(ValueError, match="channel names"):
        Frame(image, ["L"])
    with pytest.raises(ValueError, match="valid mask shape"):
        Frame(image, ["L", "M"], valid=np.ones((3, 3), bool))
    assert Frame(np.zeros((3, 3)), ["L"], source="/x/jup_1.fits").id == "jup_1"


def test_labels_need_2d_mask():
    with pytest.raises(ValueError, match="H×W"):
        Labels(np.zeros((2, 2, 1)))
