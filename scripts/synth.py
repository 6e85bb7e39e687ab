"""Same as `jovis synth ...`: see src/jovis/apps/synth.py."""

from jovis.apps.synth import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
