"""Fee schedules: what a procedure's `fee.item` costs, nationally or in one province."""
