"""``python -m service`` is the ``leadjobs`` command."""

import sys

from service.cli import main

sys.exit(main())
