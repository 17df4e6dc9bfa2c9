"""The grounds a linkage run puts a pair in front of a reviewer on (`review_queue` says when),
named apart so that the review list, the command line and the pages can say them without
loading Splink or DuckDB (`tests/cli/test_start_up.py`)."""

UNCERTAIN = "uncertain"
FORENAMES_DIFFER = "forenames differ"
GROUNDS = {  # each completes "Queued because ..."
    UNCERTAIN: "the model was unsure: the pair scored inside the review band",
    FORENAMES_DIFFER: (
        "the records were joined on a surname and an address or phone alone: their forenames "
        "wholly differ and one has no date of birth (often a relative)"
    ),
}
