"""What every app shares: where Hydra finds the configs, strict booleans, file and folder names
kept as typed, the final JSON line."""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from jovis.apps import wide_tables
from jovis.config import CONFIG_DIR

# `@hydra.main(config_path=CONFIG_PATH, ...)`: the package's configs, found in a wheel install
# too; `--config-dir DIR` and `hydra.searchpath=[...]` add a user's own recipes beside them.
CONFIG_PATH = str(CONFIG_DIR)
VERSION_BASE = "1.3"

# Errors jovis raises to tell the user what to change (a setting, a path, a file): shown as one
# line instead of a traceback when raised in jovis's own code.
EXPLAINED_ERRORS = (ValueError, OSError)
PACKAGE_DIR = Path(__file__).resolve().parents[1]
FULL_ERROR_ENV = "HYDRA_FULL_ERROR"

# Where a run reads or writes: never null where the default names a place (`literal_texts`)
NAMED_PLACES = ("input", "out", "data")
# Settings that name files or folders and default to null: kept as typed (`literal_texts`)
TEXT_KEYS = ("ckpt", "annotations", "frames", "predictions", "truth", "real", "resume",
             "perturbations.real_root")  # fmt: skip

# What each setting an app requires (``???`` in its config) takes, for the error naming it
REQUIRED = {
    "input": "the frames: a folder, a glob ('frames/*.fits'), a .txt list, or one file",
    "data": "a folder of frames (evaluate: a labelled frame set with manifest.jsonl)",
    "suite": "which benchmark, e.g. suite=infer (`jovis --help` lists the suites)",
    "action": "import or export (jovis labels import ... or jovis labels export ...)",
    "data.train": "the labelled frame set to train on (a folder with manifest.jsonl)",
    "data.folders": "the labelled frame sets mixed with synthetic frames ([DIR, ...])",
}

TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")

# Verbs that write into out= itself (train and adapt make a run folder of their own in it): in a
# multirun each job writes under out/<its swept settings> (`job_out`)
SHARED_OUT_VERBS = ("infer", "evaluate", "synth", "track", "export", "realism", "labels",
                    "benchmark")  # fmt: skip
log = logging.getLogger(__name__)


def parse_bool(key: str, value: Any) -> bool:
    """`value` as a bool: true/false, yes/no, 1/0 (any case); anything else names `key`."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, str | int) else None
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(
        f"{key}={value!r} is not a boolean; use {key}=true or {key}=false "
        "(yes/no and 1/0 are accepted too)"
    )


def _bool_keys(node: Any, prefix: str = "") -> Iterator[str]:
    """Dotted keys of `node` whose value is a bool (lists are not descended into)."""
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, bool):
                yield path
            elif isinstance(value, dict):
                yield from _bool_keys(value, path + ".")


def strict_booleans(cfg: DictConfig, defaults: DictConfig, nullable: tuple[str, ...] = ()) -> None:
    """Turn every setting whose default (in `defaults`) is a bool into a real bool, in place.

    ``tta=no`` composes to the string "no", which Python takes as true; here it becomes False,
    and ``tta=maybe`` is refused with the key's name. `nullable` lists keys that default to
    null but take a bool when set. Run before any work, so a bad value leaves nothing behind.
    """
    plain = OmegaConf.to_container(defaults, resolve=False, throw_on_missing=False)
    for key in (*_bool_keys(plain), *nullable):
        value = OmegaConf.select(cfg, key, throw_on_missing=False)
        if value is None and key in nullable:
            continue
        parsed = parse_bool(key, value)
        if parsed is not value:
            OmegaConf.update(cfg, key, parsed, merge=False)


def literal_texts(cfg: DictConfig, defaults: DictConfig, overrides: list[str],
                  text_keys: tuple[str, ...] = TEXT_KEYS) -> None:  # fmt: skip
    """Keep a setting as the text typed when it names a file or folder, in place.

    Hydra reads ``input=20220817`` as the number 20220817 and ``out=inf`` as infinity, so a
    folder named by a date failed with a TypeError. Every `overrides` item (``key=value``, as
    typed) whose value came out a number or bool while its default in `defaults` is text (or
    missing, ``???``), or whose key is one of `text_keys` (paths that default to null), takes
    the characters after ``=`` instead; in a list, such items become their text.
    """
    for item in overrides:
        key, sep, raw = item.lstrip("+~").partition("=")
        if not sep or key.startswith("hydra"):
            continue
        value = OmegaConf.select(cfg, key, throw_on_missing=False)
        if value is None and key in NAMED_PLACES and _text_default(defaults, key):
            raise ValueError(f"{key}=null: give a file or folder name (or drop {key}= for "
                             "its default, where it has one)")  # fmt: skip
        if not _has_non_text(value) or not (key in text_keys or _text_default(defaults, key)):
            continue
        if isinstance(value, bool | int | float):
            OmegaConf.update(cfg, key, raw.strip(), merge=False)
        else:  # a list: the items Hydra made numbers, as text
            items = [v if isinstance(v, str) else str(v) for v in OmegaConf.to_container(value)]
            OmegaConf.update(cfg, key, items, merge=False)


def _has_non_text(value: Any) -> bool:
    if isinstance(value, bool | int | float):
        return True
    if OmegaConf.is_list(value):
        return any(isinstance(v, bool | int | float) for v in value)
    return False


def _text_default(defaults: DictConfig, key: str) -> bool:
    """Whether `key`'s default is text or missing (``???``)."""
    parent, _, leaf = key.rpartition(".")
    node = OmegaConf.select(defaults, parent) if parent else defaults
    if not isinstance(node, DictConfig) or leaf not in node.keys():  # (`in` skips a ???)
        return False
    if OmegaConf.is_missing(node, leaf):
        return True
    return isinstance(OmegaConf.to_container(node, resolve=False)[leaf], str)


def raised_in_jovis(err: BaseException) -> bool:
    """Whether the innermost frame of `err`'s traceback is jovis's own code: its message was
    written for the user. A library's error (NumPy, PyTorch) keeps its traceback."""
    tb = err.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(PACKAGE_DIR)


def explained_errors(verb: str) -> Callable[[Callable[[DictConfig], None]], Callable]:
    """Decorate an app's main (under ``@hydra.main``): a setting, path or file jovis refuses
    ends the run with ``jovis <verb>: <the reason>`` on stderr and exit status 1, not a
    traceback whose last line says it; Ctrl-C or SIGTERM with what the run left and how to go
    on (`INTERRUPTED`), status 130 / 143. ``HYDRA_FULL_ERROR=1`` keeps the traceback."""

    def wrap(app_main: Callable[[DictConfig], None]) -> Callable[[DictConfig], None]:
        @functools.wraps(app_main)
        def run(cfg: DictConfig) -> None:
            with stop_on_sigterm() as terminated:
                try:
                    job_out(verb, cfg)
                    app_main(cfg)
                except (KeyboardInterrupt, Exception) as err:
                    if os.environ.get(FULL_ERROR_ENV) == "1":
                        raise
                    # stopped by Ctrl-C or SIGTERM (a reader worker's death it brought, too)
                    stopped = isinstance(err, KeyboardInterrupt) or bool(terminated)
                    if not stopped and not (isinstance(err, EXPLAINED_ERRORS)
                                            and raised_in_jovis(err)):  # fmt: skip
                        raise
                    for handler in logging.getLogger().handlers:
                        handler.flush()
                    if stopped:
                        if hasattr(signal, "SIGCHLD"):  # the workers' ends are no news now
                            signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # (PyTorch's raises)
                        print(f"jovis {verb}: {_stop_message(verb, err, terminated)}",
                              file=sys.stderr)  # fmt: skip
                        sys.exit(143 if terminated else 130)  # (128 + the signal)
                    message = str(err).removeprefix(f"{verb}: ")  # not "jovis adapt: adapt: ..."
                    print(f"jovis {verb}: {message}", file=sys.stderr)
                    print(f"({FULL_ERROR_ENV}=1 shows where it was raised)", file=sys.stderr)
                    sys.exit(1)

        return run

    return wrap


def job_out(verb: str, cfg: DictConfig) -> None:
    """In a multirun (``-m``) sweeping settings other than out=, put this job's outputs in
    ``out/<its swept settings>`` (``out/model=uv-v5``): every job wrote into the one out=, and
    each run over the same frames replaced the one before it (``jovis infer -m
    model=uv-v5,uv-v6`` kept uv-v6's masks alone)."""
    if verb not in SHARED_OUT_VERBS or not isinstance(cfg, DictConfig) or not cfg.get("out"):
        return
    sub = sweep_folder()
    if sub:
        cfg.out = str(Path(str(cfg.out)) / sub)
        log.info("multirun: this job's outputs go to %s", cfg.out)


def sweep_folder() -> str | None:
    """This multirun job's swept settings as a folder name (``model=uv-v5,tta=true``); None
    outside a multirun, or when out= itself is swept (each job has its own then)."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.types import RunMode

    if not HydraConfig.initialized() or HydraConfig.get().mode != RunMode.MULTIRUN:
        return None
    parser = OverridesParser.create()
    given = parser.parse_overrides([arg for _, arg in _override_items(sys.argv[1:])])
    swept = {o.key_or_group for o in given if o.is_sweep_override()}
    if not swept or "out" in swept:
        return None
    job = HydraConfig.get()
    values = [o for o in job.overrides.task if o.lstrip("+~").split("=", 1)[0] in swept]
    name = ",".join(values).replace(os.sep, "_")
    return name if values and len(name) <= 100 else f"job{job.job.num}"


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[list[int]]:
    """While in the block, SIGTERM (a batch scheduler's time limit, ``kill``) stops the app as
    Ctrl-C does: a KeyboardInterrupt in the main process, so frames in flight are finished,
    locks released and the one-line message printed (the default ended the process at once,
    saying nothing). Yields a list that holds the signal once it came. A forked worker process
    that inherits the handler ends as it would have without it."""
    came: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield came
        return
    main = os.getpid()

    def handler(signum: int, _frame: Any) -> None:
        if os.getpid() != main:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        came.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield came
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop_message(verb: str, err: BaseException, terminated: list[int]) -> str:
    """How the run stopped, what it left and how to go on: a KeyboardInterrupt's own text (train
    names its run folder), else the verb's `INTERRUPTED`."""
    hint = str(err) if isinstance(err, KeyboardInterrupt) and str(err) else ""
    how = "terminated (SIGTERM)" if terminated else "interrupted"
    return f"{how}; {hint or INTERRUPTED.get(verb, INTERRUPTED[''])}"


# What an interrupted run left, and how to go on (every file is written whole, or not at all)
INTERRUPTED = {
    "": "every file it wrote is whole (each is written under a temporary name, then renamed)",
    "infer": "every frame it finished is whole and recorded: run the same command again to go "
             "on with the others",
    "adapt": "give resume=<its run folder> to go on from its last checkpoint",
}  # fmt: skip

# Hydra's flags that take the next word as their value (`--info` takes one or none)
VALUED_FLAGS = ("--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--cfg",
                "-c", "--package", "-p", "--experimental-rerun")  # fmt: skip
INFO_TOPICS = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")
# Command-line flags that bring another config (a user's recipes): its settings are not known here
OWN_CONFIG_FLAGS = ("--config-dir", "-cd", "--config-name", "-cn", "--config-path", "-cp",
                    "hydra.searchpath")  # fmt: skip


def jovis_app(verb: str, config_name: str, config_path: str | None = None) -> Callable:
    """The decorators of every app's main, outermost first: `known_settings`, ``@hydra.main``
    (``configs/<config_name>.yaml`` from `config_path`, or Hydra's config store when None;
    `store_config`) and `explained_errors`."""
    import hydra

    def wrap(app_main: Callable[[DictConfig], None]) -> Callable:
        configured = hydra.main(config_path=config_path, config_name=config_name,
                                version_base=VERSION_BASE)  # fmt: skip
        return known_settings(verb)(configured(explained_errors(verb)(app_main)))

    return wrap


def known_settings(verb: str) -> Callable[[Callable], Callable]:
    """Decorate an app's ``@hydra.main`` function (outermost): put in quotes the values Hydra
    reads only quoted (`readable_overrides`), and end the run on a value it cannot read or a
    setting the verb does not have (``jovis infer inputt=...``, ``trainer.max_stepz=3``), naming
    it, the nearest ones and the settings beside it, before Hydra's "Key 'inputt' is not in
    struct ... use +inputt=", whose advice would have the typo taken as a new key."""

    def wrap(hydra_main: Callable) -> Callable:
        @functools.wraps(hydra_main)
        def run(*args: Any, **kwargs: Any) -> Any:
            wide_tables()  # (python scripts/<verb>.py comes here without `jovis`)
            sys.argv[1:], why = readable_overrides(sys.argv[1:])
            why = why or unknown_setting(verb, sys.argv[1:])
            if why:
                print(f"jovis {verb}: {why}", file=sys.stderr)
                sys.exit(1)
            for warning in repeated_file_settings(sys.argv[1:]):
                print(f"jovis {verb}: warning: {warning}", file=sys.stderr)
            return hydra_main(*args, **kwargs)

        return run

    return wrap


def _override_items(args: list[str]) -> Iterator[tuple[int, str]]:
    """The command line's overrides and bare words with their places: not Hydra's flags, the
    values they take, or ``--info``'s topic."""
    flag_value = False
    for i, arg in enumerate(args):
        if flag_value or arg.startswith("-"):  # a flag of Hydra's, or the value it takes
            flag_value = not flag_value and arg in VALUED_FLAGS
            continue
        if arg not in INFO_TOPICS:
            yield i, arg


# A value with these is a list, a dict, a sweep or an interpolation: never quoted for the user
STRUCTURE_SIGNS = ("[", "]", "{", "}", ",", "${")


def readable_overrides(args: list[str]) -> tuple[list[str], str | None]:
    """The command line with every ``key=value`` whose value is plain text that Hydra's grammar
    reads only in quotes (a letter outside ASCII, ``#``, ``'``, ``(``: ``out=/home/josé/runs``,
    ``input='PJ44 (north)'`` typed without the inner quotes) put in quotes, and a leading ``~/``
    made the home folder as a shell would have; and why a value still cannot be read (a list of
    such names), else None. Hydra's own message is a LexerNoViableAltException and a caret."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()

    def readable(arg: str) -> bool:
        try:
            parser.parse_override(arg)
        except Exception:  # (Hydra's OverrideParseException, or a HydraException from its lexer)
            return False
        return True

    args = list(args)
    for i, arg in _override_items(args):
        key, sep, value = arg.partition("=")
        if not sep or readable(arg):
            continue
        if value.startswith("~/"):
            value = os.path.expanduser(value)
        plain = not any(sign in value for sign in STRUCTURE_SIGNS) and value[:1] not in "'\""
        quote = "'" if "'" not in value else '"'
        quoted = f"{key}={quote}{value}{quote}"
        if plain and quote not in value and not value.endswith("\\") and readable(quoted):
            args[i] = quoted
            continue
        return args, (
            f"cannot read {arg!r}: outside quotes a value holds only ASCII letters, digits, "
            "spaces and _ - + . / $ % * @ ? | : \\ (Hydra's grammar); put each name in quotes "
            f"inside the argument: \"{key}='a name'\" or \"{key}=['one name','another']\""
        )
    return args, None


# Settings that take several files (a list, a glob, a folder): given twice, Hydra keeps the last
SEVERAL_FILES = ("input", "annotations")


def repeated_file_settings(args: list[str]) -> list[str]:
    """A warning for each of `SEVERAL_FILES` given twice or more with different values
    (``jovis infer input=a.fits input=b.fits``): Hydra takes the last alone, silently."""
    given: dict[str, list[str]] = {}
    for _, arg in _override_items(args):
        key, sep, value = arg.partition("=")
        if sep and key in SEVERAL_FILES:
            given.setdefault(key, []).append(value)
    return [f"{key}= is given {len(values)} times and only the last ({values[-1]}) is used; "
            f"for several, give one list ({key}=[{','.join(values)}]), a glob or a folder"
            for key, values in given.items() if len(set(values)) > 1]  # fmt: skip


def unknown_setting(verb: str, args: list[str]) -> str | None:
    """Why one of the command line's ``key=value`` overrides names no setting of the verb's
    config (``configs/<verb>.yaml``, its groups' files and the experiments; each level of a
    dotted key is checked where every file that sets it has it as a block of settings), or
    why a bare word is none (``jovis infer frames/``); None when every one does, or when the
    line brings a config of its own."""
    if any(a.split("=", 1)[0] in OWN_CONFIG_FLAGS for a in args):
        return None
    tree = setting_tree(verb)
    listed = ", ".join(sorted(set(tree) - {"hydra"}))
    for _, arg in _override_items(args):
        if arg[:1] in ("+", "~"):  # append / delete
            continue
        if "=" not in arg:  # `jovis infer frames/`: Hydra's "Error parsing override"
            given = f"input={arg}" if "input" in tree else f"key={arg}"
            return (f"{arg!r} is not a setting: settings are key=value (did you mean "
                    f"{given}?); its settings are {listed}")  # fmt: skip
        key = arg.split("=", 1)[0]
        if "@" in key or "/" in key:  # a group's package or option path: its top is checked
            key = key.split("@", 1)[0].split("/", 1)[0]
        parts = key.split(".")
        node: dict | None = tree
        for depth, part in enumerate(parts):
            if node is None:
                break  # below a value, not a block (and Hydra's own): Hydra checks it
            if part in node:
                node = node[part]
                continue
            above = ".".join(parts[:depth])
            near = [".".join([*parts[:depth], name]) for name in
                    difflib.get_close_matches(part, sorted(node), n=3, cutoff=0.6)]  # fmt: skip
            hint = f" (did you mean {' or '.join(near)}?)" if near else ""
            beside = (f"the settings of {above} are {', '.join(sorted(node))}" if above
                      else f"its settings are {listed}")  # fmt: skip
            return (f"unknown setting {key if above else part!r}{hint}; {beside} (`jovis "
                    f"{verb} --help` shows them with their defaults)")  # fmt: skip
    return None


@functools.cache
def setting_tree(verb: str) -> dict[str, Any]:
    """The settings of ``configs/<verb>.yaml``, its config groups' files and its groups'
    global-package files (an experiment), as nested dicts of names; None where some file sets
    a value rather than a block (anything may follow it)."""
    import yaml  # (plain YAML, libyaml's where built: read at every start; OmegaConf's is slow)

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def settings(node: dict) -> dict:
        return _shape({k: v for k, v in node.items() if k != "defaults"})

    def load(text: str) -> dict:
        return yaml.load(text, Loader=loader) or {}  # (a safe loader)

    verb_node = load((CONFIG_DIR / f"{verb}.yaml").read_text(encoding="utf-8"))
    tree = settings(verb_node) | {"hydra": None}
    for entry in verb_node.get("defaults") or []:
        if not isinstance(entry, dict):
            continue  # _self_
        group = str(next(iter(entry))).removeprefix("override ").strip("/")
        if group.startswith("hydra"):
            continue
        tree.setdefault(group, {})
        for path in sorted((CONFIG_DIR / group).rglob("*.yaml")):  # (experiment=release/uv)
            text = path.read_text(encoding="utf-8")
            if "@package _global_" in text.split("\n", 1)[0]:
                _merge_shape(tree, settings(load(text)))
            else:
                tree[group] = _merged(tree[group], settings(load(text)))
    return tree


def _shape(node: Any) -> dict[str, Any] | None:
    """A YAML node's names: nested dicts for blocks, None for a value or an empty block (``params:
    {}``, open to ``+params.x=``: Hydra's own advice is the right one there)."""
    if not isinstance(node, dict) or not node:
        return None
    return {str(k): _shape(v) for k, v in node.items()}


def _merged(a: dict | None, b: dict | None) -> dict | None:
    """Both shapes' names; a value in either makes the place a value (anything may follow)."""
    if a is None or b is None:
        return None
    _merge_shape(a, b)
    return a


def _merge_shape(into: dict, other: dict) -> None:
    for name, node in other.items():
        into[name] = _merged(into[name], node) if name in into else node


def store_config(name: str, groups: tuple[str, ...] = ("paths",)) -> str:
    """Put ``configs/<name>.yaml`` into Hydra's config store, with the config `groups` it uses
    inlined as plain keys (``paths: default`` becomes the ``paths:`` block); returns `name` for
    ``@hydra.main(config_path=None, config_name=...)``.

    Composed from the store, the app does not see the configs folder's other groups, so a key
    such as ``model=uv`` sets the app's value instead of choosing a training ``model/`` group.
    The groups are inlined, not stored: a stored ``paths/default`` would shadow the folder's file
    of that name when another app composes from the folder (a Hydra deprecation warning).
    """
    from hydra.core.config_store import ConfigStore

    node = OmegaConf.load(CONFIG_DIR / f"{name}.yaml")
    kept = []
    for entry in node.get("defaults", []):
        group = next(iter(entry)) if isinstance(entry, DictConfig) else None
        if group in groups:
            node[group] = OmegaConf.load(CONFIG_DIR / group / f"{entry[group]}.yaml")
        else:
            kept.append(entry)
    node.defaults = kept
    ConfigStore.instance().store(name=name, node=node)
    return name


def checked(
    cfg: DictConfig, nullable: tuple[str, ...] = (), text_keys: tuple[str, ...] = TEXT_KEYS
) -> DictConfig:
    """The app's config with its booleans made strict and its file and folder names kept as
    typed (inside `@hydra.main`; `strict_booleans`, `literal_texts` with the app's `text_keys`:
    an app whose setting of one of those names is a number passes them without it).

    The defaults come from composing the same config (``--config-name`` included) again with
    the same group choices (the experiment, model, trainer, ...) but none of the values given.
    """
    from hydra import compose
    from hydra.core.hydra_config import HydraConfig

    hydra_cfg = HydraConfig.get()
    choices = hydra_cfg.runtime.choices
    groups = [f"{g}={c}" for g, c in choices.items() if c is not None and "hydra" not in g]
    defaults = compose(config_name=hydra_cfg.job.config_name, overrides=groups)
    strict_booleans(cfg, defaults, nullable)
    literal_texts(cfg, defaults, list(hydra_cfg.overrides.task), text_keys)
    check_places(cfg)
    return cfg


def check_places(cfg: DictConfig) -> None:
    """ValueError naming a required setting not given (``input=???``: `jovis infer` alone was
    OmegaConf's MissingMandatoryValue traceback) or a place given empty (``input=`` or
    ``out=``, an unset shell variable: the working folder was read or written)."""
    for key in sorted(OmegaConf.missing_keys(cfg)):
        what = REQUIRED.get(key, "see the verb's --help")
        raise ValueError(f"{key}= is required and was not given: {what}")
    for key in (*NAMED_PLACES, "annotations", "frames", "predictions"):
        value = OmegaConf.select(cfg, key, throw_on_missing=False)
        items = list(value) if OmegaConf.is_list(value) else [value]  # input=[a,''] as well
        if any(isinstance(item, str) and not item.strip() for item in items):
            raise ValueError(f"{key}= is empty (an unset shell variable?): give a file or "
                             "folder name (an empty one meant the working folder)")  # fmt: skip


def emit_result(result: dict[str, Any]) -> None:
    """Print the machine-readable summary: one JSON object as the script's last line."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    print(json.dumps(result, default=str), flush=True)


def print_key_values(title: str, result: dict[str, Any]) -> None:
    """A two-column table of a result's top-level entries (the human summary)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=False)
    for key, value in result.items():
        if not isinstance(value, dict | list):
            table.add_row(key, str(value))
    Console(stderr=False).print(table)


def report(title: str, result: dict[str, Any]) -> None:
    """The usual end of an app: `result` as a table for people, then its JSON line."""
    print_key_values(title, result)
    emit_result(result)


def script_options(argv: list[str], keys: tuple[str, ...]) -> dict[str, str]:
    """``key=value`` arguments of a plain diagnostic script (not a Hydra app); anything else,
    or a key not in `keys`, stops it naming the keys it takes."""
    bad = [a for a in argv if "=" not in a or a.split("=", 1)[0] not in keys]
    if bad:
        raise SystemExit(f"unknown arguments {bad}; use {', '.join(k + '=' for k in keys)}")
    return dict(a.split("=", 1) for a in argv)
