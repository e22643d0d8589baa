"""Files in, typed records with provenance out: readers per format, recognisers per document kind."""
