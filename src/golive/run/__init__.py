"""A run as people drive it: start and resume (runner), decide (decisions), and look at it (view)."""
