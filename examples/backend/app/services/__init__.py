"""Use cases: validation + pricing + repositories inside one transaction."""
