"""What plug-ins depend on, and nothing that depends on plug-ins: field types, the step context and result,
the clock, the protocols the engine drives, the run log's event models (events) and step ids (stepid)."""
