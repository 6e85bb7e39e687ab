"""Same as `jovis track ...`: see src/jovis/apps/track.py."""

from jovis.apps.track import main

if __name__ == "__main__":
    main()
