"""Same as `jovis evaluate ...`: see src/jovis/apps/evaluate.py."""

from jovis.apps.evaluate import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
