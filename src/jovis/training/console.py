"""What a training run prints: Lightning's messages once, without notes that ask nothing of the
user.

Lightning's package logger keeps its own console handler and also passes its messages on to the
root logger, which the apps' Hydra config prints: every line came twice (``INFO: GPU available``
and ``GPU available``). Some of its notes are about Lightning itself (a cloud-logging tip, its
use of a PyTorch API PyTorch now deprecates, the module's own `on_after_batch_transfer`, which
jovis overrides on purpose): a scientist can do nothing about them, so they are dropped.
"""

from __future__ import annotations

import logging
import re
import warnings

LIGHTNING_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric")
# Lightning's notes that ask nothing of a jovis user (matched against the message)
NOT_FOR_USERS = (
    r"Tip: For seamless cloud logging",  # an advertisement for a logging service
    r"`isinstance\(treespec, LeafSpec\)` is deprecated",  # Lightning's own use of torch
    r"You have overridden `on_after_batch_transfer` in `LightningModule`",  # jovis's design
    r"`weights_only` was not set",  # Lightning reading its own checkpoint
)
_PATTERN = re.compile("|".join(NOT_FOR_USERS))


class _DropNotes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _PATTERN.search(record.getMessage())


_FILTER = _DropNotes()


def quiet_lightning() -> None:
    """Print Lightning's messages once (through the root logger, when it has a handler) and
    drop `NOT_FOR_USERS`. Idempotent; call after `lightning` is imported."""
    root = logging.getLogger()
    printers = list(root.handlers)
    for name in LIGHTNING_LOGGERS:
        logger = logging.getLogger(name)
        if root.handlers:
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
        printers += logger.handlers
    for handler in printers:  # a handler's filter sees the records of every child logger
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    for note in NOT_FOR_USERS:
        warnings.filterwarnings("ignore", message=f".*{note}")
