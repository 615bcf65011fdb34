"""`python -m styletalk_core.cli`: what the add-on and the batch workers run."""

import sys

from . import main

sys.exit(main())
