"""CSV imports (SPEC section 5): one pipeline for every file and both engines.

``read`` streams the file as Arrow record batches and maps its headers to fields,
``convert`` checks and converts a batch a column at a time with ``pyarrow.compute``,
``load`` bulk-loads each batch with ADBC and merges it into the ledger with set-based
SQL, and ``pipeline.import_csv`` runs them in one transaction.
"""
