from opencase.cli import main

raise SystemExit(main())
