"""claimbase: structured, versioned claims and statistics taken from published articles."""
