"""Same as `jovis infer ...`: see src/jovis/apps/infer.py."""

from jovis.apps.infer import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
