"""Same as `jovis train ...`: see src/jovis/apps/train.py."""

from jovis.apps.train import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
