"""Same as `jovis benchmark ...`: see src/jovis/apps/benchmark.py."""

from jovis.apps.benchmark import main

main()
