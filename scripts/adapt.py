"""Same as `jovis adapt ...`: see src/jovis/apps/adapt.py."""

from jovis.apps.adapt import main

if __name__ == "__main__":
    main()
