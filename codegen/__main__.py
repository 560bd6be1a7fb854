from __future__ import annotations

import sys

from ._generate import main

sys.exit(main(sys.argv[1:]))
