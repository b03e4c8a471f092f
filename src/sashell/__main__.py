from sashell.cli import main

raise SystemExit(main())
