"""Same as `jovis benchmark ...`: see src/jovis/apps/benchmark.py."""

from jovis.apps.benchmark import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
