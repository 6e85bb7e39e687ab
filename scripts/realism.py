"""Same as `jovis realism ...`: see src/jovis/apps/realism.py."""

from jovis.apps.realism import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
