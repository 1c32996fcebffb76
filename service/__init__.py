"""leadjobs: background jobs for B2B lead generation."""
