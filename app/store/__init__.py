"""The store: engine and sessions, the tables, their temporal (as_of) views, migrations."""
