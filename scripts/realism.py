"""Same as `jovis realism ...`: see src/jovis/apps/realism.py."""

from jovis.apps.realism import main

main()
