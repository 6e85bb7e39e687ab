"""``python -m jovis <verb> ...``: the same as the installed ``jovis`` command."""

from jovis.apps import main

if __name__ == "__main__":  # spawned worker processes import this file again
    main()
