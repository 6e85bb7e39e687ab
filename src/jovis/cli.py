"""Old home of the config location, progress bar and JSON line; kept while branches merge.

Import from `jovis.config` (CONFIG_DIR, to_plain), `jovis.progress` (ProgressBar) and
`jovis.apps.common` (emit_result) instead; delete this module once nothing imports it.
"""

from jovis.apps.common import emit_result
from jovis.config import CONFIG_DIR, to_plain
from jovis.progress import ProgressBar

__all__ = ["CONFIG_DIR", "ProgressBar", "emit_result", "to_plain"]
