"""``python -m slactl``: the ``slactl`` command."""

from slactl.cli import main

if __name__ == "__main__":
    main()
