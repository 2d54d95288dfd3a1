"""Reports from the call store: the incident report of one call, the trend report of a period, the privacy
export, and redaction of names and numbers.

Pure builders turn store records into a :class:`~kasuhara_live.reports.document.Document`; renderers turn a
document into Markdown or one self-contained HTML file; :mod:`~kasuhara_live.reports.commands` is the edge.
"""
