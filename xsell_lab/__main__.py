"""``python -m xsell_lab`` is the ``xsell-lab`` command."""

import sys

from xsell_lab.lab.cli import main

sys.exit(main())
