"""Same as `jovis export ...`: see src/jovis/apps/export.py."""

from jovis.apps.export import main

main()
