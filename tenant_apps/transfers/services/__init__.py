"""Import and export of tables as jobs (status in tenant_apps/jobs; docs/automation.md, "Import and export").

Import: the request checks the file (format, size, rows, header, mapping) and answers 400 naming the problem with
nothing written; the file is kept under <VAR_DIR>/transfers/<schema>/imports/ and a job is queued. The job reads
the file, types the cells (convert.py), validates every row (progress 10-60 %), then writes in ONE transaction
(progress 60 % until it commits): a new table is created in that same transaction. `all_or_nothing`: any invalid
row -> nothing is written and the job fails with every row's errors. `skip_invalid`: the valid rows are written and
the invalid ones reported. A failure while writing (a concurrent unique value) rolls everything back.
Export: a job writes the table (filter, sort and fields as in the records API) to CSV, JSON or XLSX under
<VAR_DIR>/transfers/<schema>/exports/<job id>.<format>; its result carries the download path.
Retention: import and export files older than NOCODE["TRANSFER_FILES_DAYS"] are deleted daily
(`transfer_files_prune`); downloading a pruned export answers 404 EXPORT_NOT_FOUND ("export again").
"""

from .exports import download_path, export_columns, export_file, export_run, export_start
from .files import transfer_files_prune, transfers_dir
from .imports import MODES, ImportRefused, import_message, import_run, import_start, mapping_resolve

__all__ = [
    "MODES",
    "ImportRefused",
    "download_path",
    "export_columns",
    "export_file",
    "export_run",
    "export_start",
    "import_message",
    "import_run",
    "import_start",
    "mapping_resolve",
    "transfer_files_prune",
    "transfers_dir",
]
