"""Applications for assistance (救助申请) from intake to decision: the state machine, its services, pages and API."""
