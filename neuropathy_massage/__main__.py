"""`python -m neuropathy_massage` — see neuropathy_massage.cli."""

from neuropathy_massage.cli import main

raise SystemExit(main())
