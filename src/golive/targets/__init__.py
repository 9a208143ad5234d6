"""Where commands run other than the machine running golive: SSH host groups."""
