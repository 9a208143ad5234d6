"""Routers: what moves user traffic between versions (HAProxy, nginx, the built-in proxy)."""
