"""``python -m dgdata`` runs the command line."""

from dgdata.cli import main

raise SystemExit(main())
