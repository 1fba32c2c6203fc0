"""`python -m pygrind`: how a traced child (--trace-children=yes) starts pygrind again."""

import sys

from .cli import main

sys.exit(main())
