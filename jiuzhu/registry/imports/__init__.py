"""Bulk imports into the registry. The household import (one row per member; every bad row reported with
its line number and reason; all or nothing unless the user chooses to import the good households) runs as a
background job: `layout` (the file), `checking`, `writing`, `report` (counts and the error workbook) and
`job` (starting it from the page or the API, and the task). `relatives_file` reads the near-relative
register from a file for `services.relatives.relative_import`."""
