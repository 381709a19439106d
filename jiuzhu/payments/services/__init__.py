"""The business actions of payments, one module per idea: reopening a frozen month, bank file formats, bank
files, the import of the bank's results (reconciliation) and the township's monthly adjustment table. The
payroll run itself is `payments.payroll`."""
