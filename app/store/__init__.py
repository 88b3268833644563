"""The store: engines, connections and sessions, the tables, their as_of views, migrations."""
