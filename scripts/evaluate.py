"""Same as `jovis evaluate ...`: see src/jovis/apps/evaluate.py."""

from jovis.apps.evaluate import main

main()
