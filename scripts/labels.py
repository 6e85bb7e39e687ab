"""Same as `jovis labels ...`: see src/jovis/apps/labels.py."""

from jovis.apps.labels import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
