"""What plug-ins depend on, and nothing that depends on plug-ins: field types, the step context and result,
the clock, and the protocols the engine drives."""
