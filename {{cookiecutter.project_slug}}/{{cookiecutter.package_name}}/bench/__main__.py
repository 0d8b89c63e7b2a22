"""``python -m <package>.bench``: the same as ``python -m <package> bench``."""

import sys

from . import main

sys.exit(main())
