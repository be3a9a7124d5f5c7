"""The report: figures and the annotated preview."""
