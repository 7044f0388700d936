"""HTTP glue shared by the function apps: schemas, auth dependency, error mapping."""
