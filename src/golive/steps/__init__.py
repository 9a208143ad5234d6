"""Step kinds: one module per kind, each a plan model that executes itself; registry derives AnyStep from them."""
