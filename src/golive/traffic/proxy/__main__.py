from golive.traffic.proxy.command import main

raise SystemExit(main())
