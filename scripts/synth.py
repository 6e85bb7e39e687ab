"""Same as `jovis synth ...`: see src/jovis/apps/synth.py."""

from jovis.apps.synth import main

main()
