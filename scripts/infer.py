"""Same as `jovis infer ...`: see src/jovis/apps/infer.py."""

from jovis.apps.infer import main

main()
