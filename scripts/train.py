"""Same as `jovis train ...`: see src/jovis/apps/train.py."""

from jovis.apps.train import main

main()
