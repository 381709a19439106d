"""The writes of the registry, one module per sub-area: households, members (and the checks of a member's
data they share), income and assets, the near-relative register (DM2) and discovery reports (A2). Each
function validates everything first, reports every problem at once in Chinese, then writes in one
transaction with an audit event. The bulk imports are `registry.imports`."""
