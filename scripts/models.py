"""Same as `jovis models`: see src/jovis/apps/models.py."""

from jovis.apps.models import main

if __name__ == "__main__":
    main()
