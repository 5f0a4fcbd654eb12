"""The field technician's tools: hardware self-test now; discovery and enrollment next."""
