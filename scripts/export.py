"""Same as `jovis export ...`: see src/jovis/apps/export.py."""

from jovis.apps.export import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
