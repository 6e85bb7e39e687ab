"""``python -m jovis <verb> ...``: the same as the installed ``jovis`` command."""

from jovis.apps import main

main()
