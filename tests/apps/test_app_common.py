"""The app boundary's shared parts: strict booleans, the evaluate config, the dispatcher."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hydra import compose, initialize
from omegaconf import OmegaConf
from tests.conftest import REPO, compose_config

from jovis.apps import VERBS
from jovis.apps.common import explained_errors, parse_bool, strict_booleans
from jovis.apps.evaluate import CONFIG_NAME, dataset_folder


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("no", False), ("NO", False), ("yes", True), ("Yes", True),
     ("false", False), ("TRUE", True), (" 1 ", True), ("0", False), (1, True), (0, False)],
)  # fmt: skip
def test_parse_bool_words(value, expected):
    assert parse_bool("tta", value) is expected


@pytest.mark.parametrize("value", ["maybe", "", "on", 2, 1.0, None, [True]])
def test_parse_bool_refuses_anything_else_naming_the_key(value):
    with pytest.raises(ValueError, match=r"tta=.* is not a boolean; use tta=true or tta=false"):
        parse_bool("tta", value)


def test_strict_booleans_walks_every_group_of_the_train_config(tmp_path):
    defaults = compose_config("train", ["experiment=tiny"])
    cfg = compose_config(
        "train", ["experiment=tiny", "trainer.progress=yes", "augment.enabled=no", "seed=1"]
    )
    assert cfg.augment.enabled == "no"  # what Hydra composes: a non-empty, truthy string
    strict_booleans(cfg, defaults)
    assert cfg.trainer.progress is True and cfg.augment.enabled is False and cfg.seed == 1
    bad = compose_config("train", ["experiment=tiny", "trainer.channels_last=maybe"])
    with pytest.raises(ValueError, match=r"trainer\.channels_last='maybe' is not a boolean"):
        strict_booleans(bad, defaults)


def test_nullable_boolean_keeps_null_and_parses_a_value():
    defaults = compose_config("benchmark", [])
    cfg = compose_config("benchmark", [])
    strict_booleans(cfg, defaults, nullable=("train.on_device",))
    assert cfg.train.on_device is None
    cfg = compose_config("benchmark", ["train.on_device=no"])
    strict_booleans(cfg, defaults, nullable=("train.on_device",))
    assert cfg.train.on_device is False


def test_evaluate_config_takes_data_as_a_folder_not_a_group():
    with initialize(version_base="1.3", config_path=None):
        cfg = compose(config_name=CONFIG_NAME, overrides=["ckpt=m.pt", "data=frames/heldout"])
    assert cfg.data == "frames/heldout" and dataset_folder(cfg) == "frames/heldout"


def test_evaluate_dataset_alias_warns_and_must_agree():
    cfg = OmegaConf.create({"data": "???", "dataset": "old/dir"})
    with pytest.warns(FutureWarning, match="dataset=DIR is deprecated"):
        assert dataset_folder(cfg) == "old/dir"
    both = OmegaConf.create({"data": "new/dir", "dataset": "old/dir"})
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="disagree"):
        dataset_folder(both)
    with pytest.raises(ValueError, match="evaluate needs data=DIR"):
        dataset_folder(OmegaConf.create({"data": "???", "dataset": None}))


def test_adapt_takes_the_frames_as_data_or_as_input_like_infer():
    from jovis.apps.adapt import CONFIG_NAME as ADAPT_CONFIG
    from jovis.apps.adapt import frames_folder

    with initialize(version_base="1.3", config_path=None):
        cfg = compose(config_name=ADAPT_CONFIG, overrides=["model=uv", "input=flyby/frames"])
    assert frames_folder(cfg) == "flyby/frames"
    assert frames_folder(OmegaConf.create({"data": "a", "input": None})) == "a"
    assert frames_folder(OmegaConf.create({"data": "a", "input": "a"})) == "a"
    with pytest.raises(ValueError, match="data=a and input=b disagree"):
        frames_folder(OmegaConf.create({"data": "a", "input": "b"}))
    with pytest.raises(ValueError, match=r"adapt needs the flyby's frames: data=DIR \(or input"):
        frames_folder(OmegaConf.create({"data": None, "input": None}))


def test_file_and_folder_names_are_kept_as_typed_when_hydra_reads_a_number():
    """Hydra composes input=20220817 to an int and out=inf to infinity; a name's default is
    text (or ???), so it takes the characters typed; a number setting stays a number. (The
    track config: infer's is in Hydra's config store once its app is imported.)"""
    from jovis.apps.common import literal_texts

    typed = ["input=20220817", "out=inf", "truth=2016", "match_km=500", "++link.bridge=false"]
    defaults = compose_config("track", [])
    cfg = compose_config("track", typed)
    assert cfg.input == 20220817 and cfg.out == float("inf") and cfg.truth == 2016  # Hydra's
    literal_texts(cfg, defaults, typed)
    assert (cfg.input, cfg.out, cfg.truth) == ("20220817", "inf", "2016")  # truth: TEXT_KEYS
    assert cfg.match_km == 500 and cfg.link.bridge is False
    for key in ("out", "input"):  # null where a place is needed: refused naming the key
        nulled = compose_config("track", [f"{key}=null"])
        with pytest.raises(ValueError, match=f"{key}=null: give a file or folder name"):
            literal_texts(nulled, defaults, [f"{key}=null"])
    listed = compose_config("track", ["input=[a,2016]"])
    literal_texts(listed, defaults, ["input=[a,2016]"])
    assert list(listed.input) == ["a", "2016"]


def test_a_folder_named_by_a_date_is_read_by_jovis_infer(tmp_path):
    import cv2
    import numpy as np

    folder = tmp_path / "20220817"
    folder.mkdir()
    cv2.imwrite(str(folder / "frame.png"), np.full((64, 64, 3), 90, np.uint8))
    proc = subprocess.run([sys.executable, "-m", "jovis", "infer", "input=20220817", "out=2016",
                           "model=visible_rgb", "progress=false", "num_workers=0"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "2016" / "masks" / "frame.png").is_file()


def test_jovis_without_a_known_verb_lists_the_verbs():
    proc = subprocess.run(
        [sys.executable, "-m", "jovis", "fly"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "unknown verb 'fly'" in proc.stderr and ", ".join(VERBS) in proc.stderr


def test_a_misspelt_verb_is_named_with_the_nearest_and_the_version_is_printed():
    proc = subprocess.run([sys.executable, "-m", "jovis", "infr"], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 2 and "unknown verb 'infr' (did you mean infer?)" in proc.stderr
    import tomllib

    from jovis import __version__

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert __version__ == declared  # what --version prints is what was installed
    proc = subprocess.run([sys.executable, "-m", "jovis", "--version"], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 0
    assert re.fullmatch(rf"jovis {re.escape(__version__)} \(torch \d[^,]*, torchvision \d.*, "
                        r"Python 3\.\d+\.\d+\)\n", proc.stdout)  # fmt: skip


def test_script_options_take_known_keys_and_stop_on_anything_else():
    from jovis.apps.common import script_options

    assert script_options(["out=a=b", "n=3"], ("out", "n")) == {"out": "a=b", "n": "3"}
    with pytest.raises(SystemExit, match=r"\['size=3', 'loose'\]; use out=, n="):
        script_options(["out=x", "size=3", "loose"], ("out", "n"))


def _refuses_a_setting(cfg):
    parse_bool("tta", cfg)  # raised in jovis's own code, written for the user


def _library_error(cfg):
    raise ValueError("operands could not be broadcast")  # stands for NumPy's or PyTorch's


def test_a_refused_setting_is_one_line_and_exit_status_1(capsys, monkeypatch):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    with pytest.raises(SystemExit) as stop:
        explained_errors("infer")(_refuses_a_setting)("maybe")
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("jovis infer: tta='maybe' is not a boolean; use tta=true")
    assert "HYDRA_FULL_ERROR=1" in err and "Traceback" not in err


def test_the_verb_is_not_said_twice(capsys, monkeypatch):
    from jovis.apps.adapt import frames_folder

    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    with pytest.raises(SystemExit):  # its message starts "adapt: data=a and input=b disagree"
        explained_errors("adapt")(frames_folder)(OmegaConf.create({"data": "a", "input": "b"}))
    assert capsys.readouterr().err.startswith("jovis adapt: data=a and input=b disagree")


def _interrupted(cfg):
    raise KeyboardInterrupt  # Ctrl-C while the app runs


def test_ctrl_c_ends_with_what_was_left_and_how_to_go_on(capsys, monkeypatch):
    """A 40-line traceback ending in KeyboardInterrupt read as a crash."""
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    for verb, hint in (("infer", "run the same command again"), ("adapt", "resume=<its run"),
                       ("track", "every file it wrote is whole")):  # fmt: skip
        with pytest.raises(SystemExit) as stop:
            explained_errors(verb)(_interrupted)(None)
        err = capsys.readouterr().err
        assert stop.value.code == 130 and err.startswith(f"jovis {verb}: interrupted; ")
        assert hint in err and "Traceback" not in err
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    with pytest.raises(KeyboardInterrupt):
        explained_errors("infer")(_interrupted)(None)


def test_sigterm_stops_an_app_as_ctrl_c_does(capsys, monkeypatch):
    """A batch scheduler's time limit (SIGTERM) ended the process at once, saying nothing and
    leaving its frame locks; now the app stops as on Ctrl-C, naming the signal."""
    import signal

    def killed(cfg):
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(SystemExit) as stop:
        explained_errors("infer")(killed)(None)
    err = capsys.readouterr().err
    assert stop.value.code == 143 and err.startswith("jovis infer: terminated (SIGTERM); every")
    assert signal.getsignal(signal.SIGTERM) is previous  # the app's handler is gone with it


def test_other_errors_keep_their_traceback(monkeypatch):
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    with pytest.raises(ValueError, match="broadcast"):  # not raised by jovis: a bug's traceback
        explained_errors("infer")(_library_error)(None)
    with pytest.raises(KeyError):  # not a kind of error jovis raises to explain
        explained_errors("infer")(lambda cfg: {}[cfg])("missing")
    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    with pytest.raises(ValueError, match="is not a boolean"):
        explained_errors("infer")(_refuses_a_setting)("maybe")


def test_benchmark_refusals_are_explained_as_the_other_verbs_are():
    """`jovis benchmark suite=...` named the bad suite without the verb (a bare SystemExit)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    proc = subprocess.run([sys.executable, "-m", "jovis", "benchmark", "suite=nonsense"],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("jovis benchmark: suite='nonsense'; valid choices: io, infer")


@pytest.mark.parametrize(
    ("verb", "args", "why"),
    [
        ("infer", ["inputt=frames", "out=o"], "unknown setting 'inputt' (did you mean input?)"),
        ("train", ["experiment=demo", "stepz=3"], "unknown setting 'stepz'; its settings are"),
        ("labels", ["action=export", "predictionz=run"], "(did you mean predictions?)"),
        ("track", ["input=run", "ot.x=1"], "unknown setting 'ot' (did you mean out?)"),
        ("train", ["trainer.max_stepz=3"], "'trainer.max_stepz' (did you mean trainer.max_steps?)"),
        ("train", ["experiment=tiny", "data.sise=64"], "(did you mean data.size?); the settings"),
        ("track", ["link.rate_min_span_dayz=1"], "(did you mean link.rate_min_span_days?)"),
        ("infer", ["paths.outputz=c"], "the settings of paths are outputs, runs"),
        ("benchmark", ["suite=real", "real.ckpt=x"], "unknown setting 'real.ckpt'"),
        (
            "infer",
            ["frames/", "out=o"],
            "'frames/' is not a setting: settings are key=value (did you mean input=frames/?)",
        ),
        ("evaluate", ["--cfg", "job", "set"], "'set' is not a setting"),
    ],
)
def test_a_setting_the_verb_does_not_have_is_named_with_the_nearest(verb, args, why):
    from jovis.apps.common import unknown_setting

    assert why in unknown_setting(verb, args)


@pytest.mark.parametrize(
    ("verb", "args"),
    [
        ("train", ["experiment=ir_aurora_cpu", "trainer.max_steps=3", "model=unet_resnet18_small",
                   "data.size=64", "+extra=1", "~seed", "hydra.run.dir=x", "-m"]),
        ("infer", ["input=a", "out=b", "model=uv", "paths.outputs=c", "map.lat=[90,60]"]),
        ("infer", ["--config-dir", "mine", "anything=1"]),  # a user's own config
        ("infer", ["--cfg", "job", "--package", "_global_", "-m", "tta=true,false", "input=a"]),
        ("infer", ["--info", "defaults", "input=a"]),
        ("benchmark", ["suite=real", "real.tta=true", "perturbations.list=[jpeg:75]"]),
        # a group's option sets it (trainer/gpu.yaml), an experiment's block (data.params), a
        # setting that is a value (map: null) and Hydra's own
        ("train", ["trainer.devices=2", "data.params.vortex_label_min_structure=0.02",
                   "hydra.job.chdir=false", "model.encoder=resnet34"]),
        # an empty block is open to additions (`params: {}`): Hydra's "+params.x=" is right
        ("realism", ["params.oval_fwhm_range=[0.57,0.96]"]),
        ("train", ["data.params.junocam_product_prob=0.8"]),
    ],
)  # fmt: skip
def test_every_setting_of_the_verbs_config_and_hydras_own_syntax_pass(verb, args):
    from jovis.apps.common import unknown_setting

    assert unknown_setting(verb, args) is None


@pytest.mark.parametrize(
    ("args", "readable"),
    [
        (["input=/data/données (PJ44)", "out=run#2"],
         ["input='/data/données (PJ44)'", "out='run#2'"]),
        (["out=O'Brien", "-cn", "x=é"], ['out="O\'Brien"', "-cn", "x=é"]),  # (a flag's value)
        (["input=[a.fits,b.fits]", "map.lat=[90,60]", "tta=true,false", "out='já'"],
         ["input=[a.fits,b.fits]", "map.lat=[90,60]", "tta=true,false", "out='já'"]),
    ],
)  # fmt: skip
def test_plain_names_hydra_reads_only_in_quotes_are_quoted(args, readable):
    """Hydra's grammar reads a value unquoted only of ASCII letters, digits and a few signs: a
    folder named with an accent, a '#' or an apostrophe stopped with its LexerNoViableAlt."""
    from jovis.apps.common import readable_overrides

    assert readable_overrides(args) == (readable, None)


def test_a_home_folder_is_expanded_and_a_list_hydra_cannot_read_is_explained(monkeypatch):
    from jovis.apps.common import readable_overrides

    monkeypatch.setenv("HOME", "/home/astronomer")
    assert readable_overrides(["out=~/runs"])[0] == ["out='/home/astronomer/runs'"]
    _, why = readable_overrides(["input=[données/a.fits,b.fits]"])
    assert why.startswith("cannot read 'input=[données/a.fits,b.fits]'")
    assert "\"input=['one name','another']\"" in why


def test_a_file_setting_given_twice_is_warned_of():
    """`input=a.fits input=b.fits` ran b.fits alone: Hydra keeps the last value silently."""
    from jovis.apps.common import repeated_file_settings

    [warning] = repeated_file_settings(["input=a.fits", "out=o", "input=b.fits", "out=p"])
    assert warning.startswith("input= is given 2 times and only the last (b.fits) is used")
    assert "input=[a.fits,b.fits]" in warning
    assert repeated_file_settings(["input=a", "input=a", "-cn", "input=x"]) == []


def test_a_folder_named_outside_ascii_reaches_jovis_as_typed(tmp_path):
    missing = tmp_path / "données (PJ44)"
    proc = subprocess.run([sys.executable, "-m", "jovis", "infer", f"input={missing}",
                           f"out={tmp_path / 'run#2'}"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1 and "Lexer" not in proc.stderr
    assert f"input={missing}: no such file or folder" in proc.stderr


def test_jovis_refuses_an_unknown_setting_before_hydra_and_writes_nothing(tmp_path):
    """Hydra's own message told the user to append the typo as a new key (+inputt=...)."""
    proc = subprocess.run([sys.executable, "-m", "jovis", "infer", "inputt=frames", "out=o"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1 and "+inputt" not in proc.stderr
    assert proc.stderr.startswith("jovis infer: unknown setting 'inputt' (did you mean input?)")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        # OmegaConf's MissingMandatoryValue traceback
        (["infer"], "jovis infer: input= is required and was not given: the frames: a folder"),
        (["train", "experiment=tiny", "data=folder"],  # was "???/manifest.jsonl not found"
         "jovis train: data.train= is required and was not given: the labelled frame set"),
        # an unset shell variable: the working folder's files were predicted, or written into
        (["infer", "input=", "out=o"], "jovis infer: input= is empty (an unset shell"),
        (["infer", "input=frames", "out="], "jovis infer: out= is empty (an unset shell"),
    ],
)  # fmt: skip
def test_a_required_setting_not_given_or_given_empty_is_named(tmp_path, args, words):
    (tmp_path / "frames").mkdir()
    np.save(tmp_path / "frames" / "f.npy", np.zeros((64, 64, 1), np.float32))
    np.save(tmp_path / "here.npy", np.zeros((64, 64, 1), np.float32))
    proc = subprocess.run([sys.executable, "-m", "jovis", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 1 and proc.stderr.startswith(words), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "here.npy"]  # nothing written


def test_tables_are_printed_at_least_160_columns_wide_into_a_pipe(monkeypatch):
    import io

    from jovis.apps import PIPED_COLUMNS, wide_tables

    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr("sys.stdout", io.StringIO())  # not a terminal
    wide_tables()
    assert os.environ["COLUMNS"] == str(PIPED_COLUMNS)
    monkeypatch.setenv("COLUMNS", "80")  # what readline exports to a Python's children
    wide_tables()
    assert os.environ["COLUMNS"] == str(PIPED_COLUMNS)
    monkeypatch.setenv("COLUMNS", "200")  # wider is kept
    wide_tables()
    assert os.environ["COLUMNS"] == "200"
