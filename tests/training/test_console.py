"""A training run prints Lightning's messages once, without its notes that ask nothing of a user."""

import io
import logging
import warnings

import lightning  # noqa: F401  (its package logger with its own console handler)

from jovis.training.console import quiet_lightning


def test_lightning_messages_print_once_and_its_notes_not(monkeypatch):
    stream = io.StringIO()
    printer = logging.StreamHandler(stream)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [printer])  # as the apps' Hydra logging config
    monkeypatch.setattr(root, "level", logging.INFO)
    for name in ("lightning", "lightning.pytorch", "lightning.fabric"):  # restored after
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", list(logger.handlers))
        monkeypatch.setattr(logger, "propagate", logger.propagate)
    package = logging.getLogger("lightning")
    package.handlers.append(logging.StreamHandler(stream))  # Lightning's own console
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        quiet_lightning()
        quiet_lightning()  # twice: still one copy, one filter
        rank_zero = logging.getLogger("lightning.fabric.utilities.rank_zero")
        rank_zero.info("GPU available: False, used: False")
        rank_zero.info("💡 Tip: For seamless cloud logging and experiment tracking, try ...")
        logging.getLogger("lightning.pytorch.trainer.connectors.checkpoint_connector").info(
            "`weights_only` was not set, defaulting to `False`."
        )
        note = "You have overridden `on_after_batch_transfer` in `LightningModule` but ..."
        warnings.warn(note, stacklevel=1)
        warnings.warn("`ModelCheckpoint(monitor=...)` could not find the key", stacklevel=1)
    assert stream.getvalue().splitlines() == ["GPU available: False, used: False"]
    assert package.handlers == [] and package.propagate
    assert len(warned) == 1 and "ModelCheckpoint" in str(warned[0].message)  # one for users
    assert printer.filters and len(printer.filters) == 1
