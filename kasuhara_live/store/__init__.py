"""The call store: what happened on each call, kept in SQLite for QA review, incident and trend reports."""
