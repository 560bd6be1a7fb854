"""``python -m smsgate._cli``: the ``smsgate`` command."""

from . import main

main()
