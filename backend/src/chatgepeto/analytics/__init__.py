"""Teacher analytics: what students ask a collection, what the material could not answer,
and which answers they disliked, per ISO week (UTC), for the API and its CSV export."""
