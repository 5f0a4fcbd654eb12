"""The touchscreen bench's parts, one module a measure: `cold`, `taps`, `rss`, `rest` (CPU at
rest), and `common`, the child processes' plumbing they share. Run them all or some with
`python -m bench.bench_kiosk_ui`, whose `--child KIND` re-entry runs one measure's child."""
