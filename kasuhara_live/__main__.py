"""Allow ``python -m kasuhara_live``."""

from kasuhara_live.cli import main

raise SystemExit(main())
