"""The executor: walks phases, runs steps, decides gates, rolls back. Pure of I/O details."""
