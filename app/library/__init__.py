"""The documents: the catalog of titles, the documents folder (uploads), source text and page numbers."""
