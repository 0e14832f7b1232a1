"""The application layer: one module per resource (collections, documents, conversations, jobs).

Between its callers (`api/`, `cli.py`, `evaluation/`, `benchmarks/`) and the stages below
(`storage/`, `retrieval/`, `ingestion/`), each module owns its resource's rules: get-or-404,
cascading deletes (vectors, then SQL, then files), the `index_version` bump, paging. Callers
get ORM rows back (loaded, detached) and serialise them with the API's pydantic models.
"""
